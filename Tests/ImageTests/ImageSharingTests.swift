import Foundation
import StratusKit
import XCTest

@testable import Image

final class ImageSharingTests: XCTestCase {
    private static func names(_ response: ImageResponse) -> Set<String> {
        Set(response.json?["images"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [])
    }

    func testVisibilityRulesInListsAndShows() async throws {
        try await ImageTestCloud.run { cloud in
            let alpha = try await cloud.project("alpha")
            let beta = try await cloud.project("beta")
            let admin = try await cloud.adminToken()
            let fetched1 = try await cloud.createImage(["name": "a-private", "visibility": "private"], token: alpha.token)["id"]?.stringValue
            let privateID = try XCTUnwrap(fetched1)
            let fetched2 = try await cloud.createImage(["name": "a-shared", "visibility": "shared"], token: alpha.token)["id"]?.stringValue
            let sharedID = try XCTUnwrap(fetched2)
            _ = try await cloud.createImage(["name": "a-community", "visibility": "community"], token: alpha.token)
            _ = try await cloud.createImage(["name": "public", "visibility": "public"], token: admin)
            _ = try await cloud.createImage(["name": "b-own"], token: beta.token)

            let value1 = Self.names(try await cloud.call(.get, "/v2/images", token: beta.token))
            XCTAssertEqual(value1, ["public", "b-own"])
            let value2 = Self.names(try await cloud.call(.get, "/v2/images?visibility=community", token: beta.token))
            XCTAssertEqual(value2, ["a-community"])
            let value3 = Self.names(try await cloud.call(.get, "/v2/images?visibility=all", token: beta.token))
            XCTAssertEqual(value3, ["public", "b-own", "a-community"])
            let value4 = try await cloud.call(.get, "/v2/images/\(privateID)", token: beta.token).status
            XCTAssertEqual(value4, .notFound)
            let value5 = try await cloud.call(.get, "/v2/images/\(sharedID)", token: beta.token).status
            XCTAssertEqual(value5, .notFound)
            let value6 = Self.names(try await cloud.call(.get, "/v2/images", token: alpha.token))
            XCTAssertEqual(value6,
                ["a-private", "a-shared", "a-community", "public"])
            let value7 = try await cloud.call(.get, "/v2/images?visibility=bogus", token: alpha.token).status
            XCTAssertEqual(value7, .badRequest)

            // Sharing: pending is not listed, accepted is, rejected is not.
            let added = try await cloud.call(.post, "/v2/images/\(sharedID)/members", token: alpha.token, json: ["member": .string(beta.id)])
            XCTAssertEqual(added.status, .ok)
            XCTAssertEqual(added.json?["status"], "pending")
            XCTAssertEqual(added.json?["schema"], "/v2/schemas/member")
            let value8 = try await cloud.call(.post, "/v2/images/\(sharedID)/members", token: alpha.token, json: ["member": .string(beta.id)]).status
            XCTAssertEqual(value8,
                .conflict)
            let value9 = try await cloud.call(.get, "/v2/images/\(sharedID)", token: beta.token).status
            XCTAssertEqual(value9, .ok)
            let value10 = Self.names(try await cloud.call(.get, "/v2/images", token: beta.token)).contains("a-shared")
            XCTAssertFalse(value10)
            let value11 = Self.names(try await cloud.call(.get, "/v2/images?member_status=pending", token: beta.token)).contains("a-shared")
            XCTAssertTrue(value11)
            let ownerAccepts = try await cloud.call(
                .put, "/v2/images/\(sharedID)/members/\(beta.id)", token: alpha.token, json: ["status": "accepted"])
            XCTAssertEqual(ownerAccepts.status, .forbidden)
            let accepted = try await cloud.call(
                .put, "/v2/images/\(sharedID)/members/\(beta.id)", token: beta.token, json: ["status": "accepted"])
            XCTAssertEqual(accepted.status, .ok)
            let value12 = Self.names(try await cloud.call(.get, "/v2/images", token: beta.token)).contains("a-shared")
            XCTAssertTrue(value12)
            let members = try await cloud.call(.get, "/v2/images/\(sharedID)/members", token: alpha.token)
            XCTAssertEqual(members.json?["members"]?.arrayValue?.count, 1)
            XCTAssertEqual(members.json?["schema"], "/v2/schemas/members")
            let value13 = try await cloud.call(.put, "/v2/images/\(sharedID)/members/\(beta.id)", token: beta.token, json: ["status": "rejected"]).status
            XCTAssertEqual(value13,
                .ok)
            let value14 = Self.names(try await cloud.call(.get, "/v2/images", token: beta.token)).contains("a-shared")
            XCTAssertFalse(value14)
            let value15 = try await cloud.call(.delete, "/v2/images/\(sharedID)/members/\(beta.id)", token: beta.token).status
            XCTAssertEqual(value15, .forbidden)
            let value16 = try await cloud.call(.delete, "/v2/images/\(sharedID)/members/\(beta.id)", token: alpha.token).status
            XCTAssertEqual(value16, .noContent)
            let value17 = try await cloud.call(.get, "/v2/images/\(sharedID)", token: beta.token).status
            XCTAssertEqual(value17, .notFound)

            // Only shared images have members.
            let value18 = try await cloud.call(.post, "/v2/images/\(privateID)/members", token: alpha.token, json: ["member": .string(beta.id)]).status
            XCTAssertEqual(value18,
                .forbidden)
        }
    }

    func testListFiltersSortingAndPaging() async throws {
        try await ImageTestCloud.run { cloud in
            let alpha = try await cloud.project("alpha")
            for index in 0..<7 {
                var body: [String: JSONValue] = [
                    "name": .string("img-\(index)"), "disk_format": index % 2 == 0 ? "raw" : "qcow2", "container_format": "bare",
                ]
                if index < 3 { body["tags"] = ["red"] }
                if index == 4 { body["os_distro"] = "debian" }
                if index == 5 { body["os_hidden"] = true }
                _ = try await cloud.createImage(.object(body), token: alpha.token)
            }
            let value19 = Self.names(try await cloud.call(.get, "/v2/images?tag=red", token: alpha.token))
            XCTAssertEqual(value19, ["img-0", "img-1", "img-2"])
            let value20 = Self.names(try await cloud.call(.get, "/v2/images?os_distro=debian", token: alpha.token))
            XCTAssertEqual(value20, ["img-4"])
            let value21 = Self.names(try await cloud.call(.get, "/v2/images?name=in:img-1,img-3", token: alpha.token))
            XCTAssertEqual(value21, ["img-1", "img-3"])
            let value22 = Self.names(try await cloud.call(.get, "/v2/images?disk_format=qcow2", token: alpha.token))
            XCTAssertEqual(value22, ["img-1", "img-3"])
            let value23 = Self.names(try await cloud.call(.get, "/v2/images?os_hidden=true", token: alpha.token))
            XCTAssertEqual(value23, ["img-5"])

            let sorted = try await cloud.call(.get, "/v2/images?sort=name:asc", token: alpha.token)
            XCTAssertEqual(
                sorted.json?["images"]?.arrayValue?.compactMap { $0["name"]?.stringValue },
                ["img-0", "img-1", "img-2", "img-3", "img-4", "img-6"])
            let legacy = try await cloud.call(.get, "/v2/images?sort_key=name&sort_dir=desc", token: alpha.token)
            XCTAssertEqual(legacy.json?["images"]?.arrayValue?.first?["name"], "img-6")
            let value24 = try await cloud.call(.get, "/v2/images?sort_key=bogus", token: alpha.token).status
            XCTAssertEqual(value24, .badRequest)
            let value25 = try await cloud.call(.get, "/v2/images?sort=name:asc&sort_key=name", token: alpha.token).status
            XCTAssertEqual(value25, .badRequest)

            // Follow `next` links two at a time: every image once, in order.
            var seen: [String] = []
            var path: String? = "/v2/images?sort=name:asc&limit=2"
            while let current = path {
                let page = try await cloud.call(.get, current, token: alpha.token)
                XCTAssertEqual(page.status, .ok)
                seen += page.json?["images"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
                path = page.json?["next"]?.stringValue
            }
            XCTAssertEqual(seen, ["img-0", "img-1", "img-2", "img-3", "img-4", "img-6"])
            let value26 = try await cloud.call(.get, "/v2/images?marker=\(IDGenerator.uuid())", token: alpha.token).status
            XCTAssertEqual(value26, .badRequest)
        }
    }

    func testQuotasRefuseBeyondTheLimit() async throws {
        try await ImageTestCloud.run(config: ["image.quota_image_count_total": "2", "image.quota_image_size_total": "1"]) { cloud in
            let alpha = try await cloud.project("alpha")
            let fetched3 = try await cloud.createImage(["disk_format": "raw", "container_format": "bare"], token: alpha.token)["id"]?.stringValue
            let first = try XCTUnwrap(fetched3)
            let big = SampleImages.random((1 << 20) + 1)
            let tooLarge = try await cloud.call(.put, "/v2/images/\(first)/file", token: alpha.token, bytes: big)
            XCTAssertEqual(tooLarge.status, .contentTooLarge)
            let value27 = try await cloud.call(.get, "/v2/images/\(first)", token: alpha.token).json?["status"]
            XCTAssertEqual(value27, "queued")
            XCTAssertEqual(cloud.storedFiles(), [])
            let value28 = try await cloud.call(.put, "/v2/images/\(first)/file", token: alpha.token, bytes: [UInt8](repeating: 7, count: 1 << 20)).status
            XCTAssertEqual(value28,
                .noContent)
            let fetched4 = try await cloud.createImage(["disk_format": "raw", "container_format": "bare"], token: alpha.token)["id"]?.stringValue
            let second = try XCTUnwrap(fetched4)
            let value29 = try await cloud.call(.put, "/v2/images/\(second)/file", token: alpha.token, bytes: [1]).status
            XCTAssertEqual(value29, .contentTooLarge)
            let value30 = try await cloud.call(.post, "/v2/images", token: alpha.token, json: ["name": "third"]).status
            XCTAssertEqual(value30, .contentTooLarge)
            let usage = try await cloud.call(.get, "/v2/info/usage", token: alpha.token)
            XCTAssertEqual(usage.json?["usage"]?["image_count_total"]?["usage"], .int(2))
        }
    }

    func testGlanceDirectImportRunsATask() async throws {
        try await ImageTestCloud.run { cloud in
            let alpha = try await cloud.project("alpha")
            let fetched5 = try await cloud.createImage(["disk_format": "raw", "container_format": "bare"], token: alpha.token)["id"]?.stringValue
            let id = try XCTUnwrap(fetched5)
            let info = try await cloud.call(.get, "/v2/info/import", token: alpha.token)
            XCTAssertEqual(info.json?["import-methods"]?["value"], ["glance-direct"])
            let early = try await cloud.call(
                .post, "/v2/images/\(id)/import", token: alpha.token, json: ["method": ["name": "glance-direct"]])
            XCTAssertEqual(early.status, .conflict)
            let data = SampleImages.random(50_000)
            let value31 = try await cloud.call(.put, "/v2/images/\(id)/stage", token: alpha.token, bytes: data).status
            XCTAssertEqual(value31, .noContent)
            let value32 = try await cloud.call(.get, "/v2/images/\(id)", token: alpha.token).json?["status"]
            XCTAssertEqual(value32, "uploading")
            let webDownload = try await cloud.call(
                .post, "/v2/images/\(id)/import", token: alpha.token,
                json: ["method": ["name": "web-download", "uri": "http://example.com/x"]])
            XCTAssertEqual(webDownload.status, .badRequest)
            let started = try await cloud.call(
                .post, "/v2/images/\(id)/import", token: alpha.token, json: ["method": ["name": "glance-direct"]])
            XCTAssertEqual(started.status, .accepted)
            var status = ""
            for _ in 0..<100 {
                status = try await cloud.call(.get, "/v2/images/\(id)", token: alpha.token).json?["status"]?.stringValue ?? ""
                if status == "active" { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            XCTAssertEqual(status, "active")
            let image = try await cloud.call(.get, "/v2/images/\(id)", token: alpha.token)
            XCTAssertEqual(image.json?["checksum"]?.stringValue, Digests.md5(data))
            let tasks = try await cloud.call(.get, "/v2/images/\(id)/tasks", token: alpha.token)
            let task = try XCTUnwrap(tasks.json?["tasks"]?.arrayValue?.first)
            XCTAssertEqual(task["status"], "success")
            XCTAssertEqual(task["type"], "api_image_import")
            let taskID = try XCTUnwrap(task["id"]?.stringValue)
            let admin = try await cloud.adminToken()
            let value33 = try await cloud.call(.get, "/v2/tasks/\(taskID)", token: admin).json?["status"]
            XCTAssertEqual(value33, "success")
            let other = try await cloud.project("beta")
            let value34 = try await cloud.call(.get, "/v2/tasks/\(taskID)", token: other.token).status
            XCTAssertEqual(value34, .forbidden)
            let value35 = try await cloud.call(.get, "/v2/images/\(id)/file", token: alpha.token).body
            XCTAssertEqual(value35, data)
        }
    }

    func testSchemasAndDiscovery() async throws {
        try await ImageTestCloud.run { cloud in
            let alpha = try await cloud.project("alpha")
            for name in ["image", "images", "member", "members", "task", "tasks"] {
                let schema = try await cloud.call(.get, "/v2/schemas/\(name)", token: alpha.token)
                XCTAssertEqual(schema.status, .ok, name)
                XCTAssertEqual(schema.json?["name"]?.stringValue, name)
            }
            let versions = try await cloud.call(.get, "/", token: nil)
            XCTAssertEqual(versions.status, .multipleChoices)
            let stores = try await cloud.call(.get, "/v2/info/stores", token: alpha.token)
            XCTAssertEqual(stores.json?["stores"]?.arrayValue?.first?["id"], "file")
        }
    }
}

final class ImageUnitTests: XCTestCase {
    func testByteRanges() {
        XCTAssertEqual(ByteRange.parse("bytes=0-9", size: 100), 0...9)
        XCTAssertEqual(ByteRange.parse("bytes=90-", size: 100), 90...99)
        XCTAssertEqual(ByteRange.parse("bytes=-5", size: 100), 95...99)
        XCTAssertEqual(ByteRange.parse("bytes=50-500", size: 100), 50...99)
        XCTAssertNil(ByteRange.parse("bytes=100-", size: 100))
        XCTAssertNil(ByteRange.parse("bytes=5-1", size: 100))
        XCTAssertNil(ByteRange.parse("bytes=0-1,5-6", size: 100))
        XCTAssertNil(ByteRange.parse("lines=1-2", size: 100))
    }

    func testInFilterValues() {
        XCTAssertEqual(ImageListParameters.values("in:a,b,\"c,d\""), ["a", "b", "c,d"])
        XCTAssertEqual(ImageListParameters.values("plain"), ["plain"])
    }

    func testPatchPointers() throws {
        XCTAssertEqual(try ImagePatchOperation.attribute(fromPointer: "/a~1b~0c"), "a/b~c")
        XCTAssertThrowsError(try ImagePatchOperation.attribute(fromPointer: "name"))
        XCTAssertThrowsError(try ImagePatchOperation.attribute(fromPointer: "/a/b"))
        XCTAssertThrowsError(try ImagePatchOperation.attribute(fromPointer: "/a~2"))
    }
}
