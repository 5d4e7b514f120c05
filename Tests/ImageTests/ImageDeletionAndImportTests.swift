import Foundation
import Hummingbird
import HummingbirdTesting
import StratusKit
import XCTest

@testable import Image

final class ImageDeletionAndImportTests: XCTestCase {
    func testDelayedDeleteKeepsDataUntilTheScrubberRuns() async throws {
        try await ImageTestCloud.run(config: ["image.delayed_delete": "true", "image.scrub_time": "0"]) { cloud in
            let alpha = try await cloud.project("alpha")
            let created = try await cloud.createImage(["disk_format": "raw", "container_format": "bare"], token: alpha.token)
            let id = try XCTUnwrap(created["id"]?.stringValue)
            let upload = try await cloud.call(.put, "/v2/images/\(id)/file", token: alpha.token, bytes: [9, 9, 9])
            XCTAssertEqual(upload.status, .noContent)
            let deleted = try await cloud.call(.delete, "/v2/images/\(id)", token: alpha.token)
            XCTAssertEqual(deleted.status, .noContent)
            let shown = try await cloud.call(.get, "/v2/images/\(id)", token: alpha.token)
            XCTAssertEqual(shown.status, .notFound)
            XCTAssertEqual(cloud.storedFiles(), [id], "data stays until the scrubber runs")
            let status = try await cloud.service.manager.read { q in
                try await q.sql.select().column("status").from("images").where("id", .equal, id).first()?.string("status")
            }
            XCTAssertEqual(status, "pending_delete")
            await cloud.service.manager.scrub()
            XCTAssertEqual(cloud.storedFiles(), [])
            let scrubbed = try await cloud.service.manager.read { q in
                try await q.sql.select().column("status").from("images").where("id", .equal, id).first()?.string("status")
            }
            XCTAssertEqual(scrubbed, "deleted")
        }
    }

    func testDeletingDuringStagingRemovesStagedData() async throws {
        try await ImageTestCloud.run { cloud in
            let alpha = try await cloud.project("alpha")
            let created = try await cloud.createImage(["name": "staged"], token: alpha.token)
            let id = try XCTUnwrap(created["id"]?.stringValue)
            let stage = try await cloud.call(.put, "/v2/images/\(id)/stage", token: alpha.token, bytes: [1, 2, 3, 4])
            XCTAssertEqual(stage.status, .noContent)
            let staging = cloud.dataDirectory + "/image-staging"
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: staging), [id])
            let again = try await cloud.call(.put, "/v2/images/\(id)/stage", token: alpha.token, bytes: [1])
            XCTAssertEqual(again.status, .conflict)
            let deleted = try await cloud.call(.delete, "/v2/images/\(id)", token: alpha.token)
            XCTAssertEqual(deleted.status, .noContent)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: staging), [])
        }
    }

    func testUploadWithoutOctetStreamIsRefused() async throws {
        try await ImageTestCloud.run { cloud in
            let alpha = try await cloud.project("alpha")
            let created = try await cloud.createImage(["disk_format": "raw", "container_format": "bare"], token: alpha.token)
            let id = try XCTUnwrap(created["id"]?.stringValue)
            let wrong = try await cloud.call(
                .put, "/v2/images/\(id)/file", token: alpha.token, bytes: [1], contentType: "application/json")
            XCTAssertEqual(wrong.status, .unsupportedMediaType)
            let shown = try await cloud.call(.get, "/v2/images/\(id)", token: alpha.token)
            XCTAssertEqual(shown.json?["status"], "queued")
        }
    }

    func testErrorBodiesFollowTheAcceptHeader() async throws {
        try await ImageTestCloud.run { cloud in
            let alpha = try await cloud.project("alpha")
            let missing = "/v2/images/\(IDGenerator.uuid())"
            let json = try await cloud.call(.get, missing, token: alpha.token, headers: ["Accept": "application/json"])
            XCTAssertEqual(json.json?["code"], "404 Not Found")
            XCTAssertEqual(json.json?["title"], "Not Found")
            let html = try await cloud.call(.get, missing, token: alpha.token, headers: ["Accept": "*/*"])
            XCTAssertEqual(html.header("Content-Type"), "text/html; charset=UTF-8")
            XCTAssertTrue(String(decoding: html.body, as: UTF8.self).contains("<title>404 Not Found</title>"))
            let plain = try await cloud.call(.get, missing, token: alpha.token, headers: ["Accept": ""])
            XCTAssertTrue(String(decoding: plain.body, as: UTF8.self).hasPrefix("404 Not Found\n\nNo image found"))
        }
    }

    /// Paging by marker over every sort key and direction returns exactly the images a
    /// full sort returns, in the same order (the keyset condition matches ORDER BY).
    func testKeysetPagingMatchesAFullSortForEveryKey() async throws {
        try await ImageTestCloud.run { cloud in
            let alpha = try await cloud.project("alpha")
            var generator = SystemRandomNumberGenerator()
            for index in 0..<14 {
                var body: [String: JSONValue] = [:]
                if index % 3 != 0 { body["name"] = .string(["b", "a", "c"][Int.random(in: 0..<3, using: &generator)]) }
                if index % 2 == 0 { body["disk_format"] = "raw" }
                _ = try await cloud.createImage(.object(body), token: alpha.token)
            }
            for key in ImageSortKey.allCases {
                for direction in ["asc", "desc"] {
                    let full = try await cloud.call(.get, "/v2/images?sort=\(key.rawValue):\(direction)&limit=100", token: alpha.token)
                    let expected = full.json?["images"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
                    XCTAssertEqual(expected.count, 14)
                    var seen: [String] = []
                    var path: String? = "/v2/images?sort=\(key.rawValue):\(direction)&limit=3"
                    while let current = path {
                        let page = try await cloud.call(.get, current, token: alpha.token)
                        let ids = page.json?["images"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
                        seen += ids
                        path = ids.isEmpty ? nil : page.json?["next"]?.stringValue
                    }
                    XCTAssertEqual(seen, expected, "\(key.rawValue):\(direction)")
                }
            }
        }
    }
}

final class ImageScopeAndWebDownloadTests: XCTestCase {
    func testTokensWithoutAProjectAreRefused() async throws {
        try await ImageTestCloud.run { cloud in
            let system = try await cloud.systemToken()
            let list = try await cloud.call(.get, "/v2/images", token: system)
            XCTAssertEqual(list.status, .forbidden)
            let create = try await cloud.call(.post, "/v2/images", token: system, json: ["name": "ownerless"])
            XCTAssertEqual(create.status, .forbidden)
        }
    }

    func testWebDownloadFetchesFromAnAllowedHostAndRefusesRedirects() async throws {
        let payload = SampleImages.random(200_000)
        let source = Router()
        source.get("/data") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: payload))) }
        source.get("/elsewhere") { _, _ in Response(status: .found, headers: [.location: "/data"]) }
        try await Application(router: source, logger: ImageTestCloud.logger).test(.live) { server in
            let port = try XCTUnwrap(server.port)
            try await ImageTestCloud.run(config: ["image.web_download_allowed_hosts": "127.0.0.1:\(port)"]) { cloud in
                let alpha = try await cloud.project("alpha")
                let info = try await cloud.call(.get, "/v2/info/import", token: alpha.token)
                XCTAssertEqual(info.json?["import-methods"]?["value"], ["glance-direct", "web-download"])
                func importFrom(_ path: String) async throws -> (String, String) {
                    let created = try await cloud.createImage(
                        ["disk_format": "raw", "container_format": "bare"], token: alpha.token)
                    let id = try XCTUnwrap(created["id"]?.stringValue)
                    let started = try await cloud.call(
                        .post, "/v2/images/\(id)/import", token: alpha.token,
                        json: ["method": ["name": "web-download", "uri": .string("http://127.0.0.1:\(port)\(path)")]])
                    XCTAssertEqual(started.status, .accepted)
                    for _ in 0..<200 {
                        let tasks = try await cloud.call(.get, "/v2/images/\(id)/tasks", token: alpha.token)
                        let status = tasks.json?["tasks"]?.arrayValue?.first?["status"]?.stringValue ?? ""
                        if status == "success" || status == "failure" { return (id, status) }
                        try await Task.sleep(for: .milliseconds(20))
                    }
                    return (id, "timeout")
                }
                let (fetched, fetchStatus) = try await importFrom("/data")
                XCTAssertEqual(fetchStatus, "success")
                let image = try await cloud.call(.get, "/v2/images/\(fetched)", token: alpha.token)
                XCTAssertEqual(image.json?["status"], "active")
                XCTAssertEqual(image.json?["checksum"]?.stringValue, Digests.md5(payload))
                let (redirected, redirectStatus) = try await importFrom("/elsewhere")
                XCTAssertEqual(redirectStatus, "failure")
                let refused = try await cloud.call(.get, "/v2/images/\(redirected)", token: alpha.token)
                XCTAssertEqual(refused.json?["status"], "queued")
                let otherHost = try await cloud.createImage(["disk_format": "raw", "container_format": "bare"], token: alpha.token)
                let otherID = try XCTUnwrap(otherHost["id"]?.stringValue)
                let denied = try await cloud.call(
                    .post, "/v2/images/\(otherID)/import", token: alpha.token,
                    json: ["method": ["name": "web-download", "uri": "http://169.254.169.254/latest"]])
                XCTAssertEqual(denied.status, .badRequest)
            }
        }
    }
}

final class ImageQuotaRaceAndHousekeepingTests: XCTestCase {
    /// Two uploads that each fit the remaining quota but not together: one is refused when
    /// its data is recorded, and leaves nothing behind.
    func testConcurrentUploadsCannotTogetherPassTheQuota() async throws {
        try await ImageTestCloud.run(config: ["image.quota_image_size_total": "1"]) { cloud in
            let alpha = try await cloud.project("alpha")
            var ids: [String] = []
            for _ in 0..<2 {
                let created = try await cloud.createImage(["disk_format": "raw", "container_format": "bare"], token: alpha.token)
                ids.append(try XCTUnwrap(created["id"]?.stringValue))
            }
            let data = SampleImages.random(700_000)
            async let first = cloud.call(.put, "/v2/images/\(ids[0])/file", token: alpha.token, bytes: data)
            async let second = cloud.call(.put, "/v2/images/\(ids[1])/file", token: alpha.token, bytes: data)
            let statuses = [try await first.status, try await second.status]
            XCTAssertEqual(statuses.filter { $0 == .noContent }.count, 1, "\(statuses)")
            XCTAssertEqual(statuses.filter { $0 == .contentTooLarge }.count, 1, "\(statuses)")
            XCTAssertEqual(cloud.storedFiles().count, 1)
        }
    }

    func testUnauthorizedNamesTheIdentityService() async throws {
        try await ImageTestCloud.run { cloud in
            let response = try await cloud.call(.get, "/v2/images", token: "not-a-token")
            XCTAssertEqual(response.status, .unauthorized)
            XCTAssertEqual(response.header("WWW-Authenticate"), "Keystone uri=\"http://127.0.0.1:5000\"")
        }
    }

    func testExpiredTasksArePurged() async throws {
        try await ImageTestCloud.run { cloud in
            let alpha = try await cloud.project("alpha")
            let created = try await cloud.createImage(["disk_format": "raw", "container_format": "bare"], token: alpha.token)
            let id = try XCTUnwrap(created["id"]?.stringValue)
            _ = try await cloud.call(.put, "/v2/images/\(id)/stage", token: alpha.token, bytes: [1, 2, 3])
            _ = try await cloud.call(.post, "/v2/images/\(id)/import", token: alpha.token, json: ["method": ["name": "glance-direct"]])
            var finished = false
            for _ in 0..<200 where !finished {
                let tasks = try await cloud.call(.get, "/v2/images/\(id)/tasks", token: alpha.token)
                finished = tasks.json?["tasks"]?.arrayValue?.first?["expires_at"].map { !$0.isNull } ?? false
                if !finished { try await Task.sleep(for: .milliseconds(20)) }
            }
            XCTAssertTrue(finished)
            await cloud.service.manager.purgeExpiredTasks()
            let kept = try await cloud.call(.get, "/v2/images/\(id)/tasks", token: alpha.token)
            XCTAssertEqual(kept.json?["tasks"]?.arrayValue?.count, 1, "a task within its time to live stays")
            try await cloud.service.manager.write { q in
                try await q.sql.update("tasks").set("expires_at", to: Int64(1)).run()
            }
            await cloud.service.manager.purgeExpiredTasks()
            let purged = try await cloud.call(.get, "/v2/images/\(id)/tasks", token: alpha.token)
            XCTAssertEqual(purged.json?["tasks"]?.arrayValue?.count, 0)
        }
    }
}
