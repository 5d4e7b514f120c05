import Foundation
import StratusKit
import StratusTestSupport
import XCTest

/// createImage, createBackup and rebuild through the HTTP API, checked in the Image service.
final class ServerImageTests: XCTestCase {
    /// Polls the Image API until the image is active.
    private static func waitForActiveImage(_ cloud: ComputeLiveCloud, _ id: String) async throws -> JSONValue {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(20))
        var last: JSONValue?
        while clock.now < deadline {
            last = try await cloud.image(id)
            if last?["status"]?.stringValue == "active" { return last! }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("image \(id) did not become active: \(String(describing: last))")
    }

    func testCreateImageMakesAnActiveSnapshotOfTheServer() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let id = try await cloud.createServer("snapper")
            try await cloud.waitFor(id, status: "ACTIVE")
            let answer = try await cloud.action(id, ["createImage": ["name": "snap-1", "metadata": ["purpose": "test"]]], version: "2.45")
            XCTAssertEqual(answer.status, 202)
            let imageID = try XCTUnwrap(answer.json?["image_id"]?.stringValue, "2.45 answers the image id")
            let image = try await Self.waitForActiveImage(cloud, imageID)
            XCTAssertEqual(image["name"]?.stringValue, "snap-1")
            XCTAssertEqual(image["instance_uuid"]?.stringValue, id)
            XCTAssertEqual(image["image_type"]?.stringValue, "snapshot")
            XCTAssertEqual(image["purpose"]?.stringValue, "test")
            try await cloud.waitFor(id, status: "ACTIVE")

            let old = try await cloud.action(id, ["createImage": ["name": "snap-2"]], version: "2.44")
            XCTAssertEqual(old.status, 202)
            XCTAssertNil(old.json, "before 2.45 no body")
            let location = try XCTUnwrap(old.headers.first(name: "Location"))
            let oldID = try XCTUnwrap(location.split(separator: "/").last.map(String.init))
            _ = try await Self.waitForActiveImage(cloud, oldID)
        }
    }

    func testCreateBackupKeepsTheNewestRotation() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let id = try await cloud.createServer("backed-up")
            try await cloud.waitFor(id, status: "ACTIVE")
            var made: [String] = []
            for index in 1...3 {
                let answer = try await cloud.action(
                    id, ["createBackup": ["name": .string("nightly-\(index)"), "backup_type": "daily", "rotation": 2]])
                XCTAssertEqual(answer.status, 202)
                let imageID = try XCTUnwrap(answer.json?["image_id"]?.stringValue)
                made.append(imageID)
                _ = try await Self.waitForActiveImage(cloud, imageID)
                try await cloud.waitFor(id, status: "ACTIVE")
                try await Task.sleep(for: .milliseconds(1100))
            }
            let listed = try await cloud.cloud.call(
                .GET, cloud.cloud.imageURL + "/v2/images?instance_uuid=\(id)&image_type=backup", token: cloud.adminToken)
            let kept = Set(listed.json?["images"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? [])
            XCTAssertEqual(kept, Set(made.suffix(2)), "rotation 2 keeps the two newest backups")
            let oldest = try await cloud.image(made[0])
            XCTAssertNil(oldest, "the oldest backup is deleted")
        }
    }

    func testRebuildSpawnsFromTheNewImage() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let id = try await cloud.createServer("rebuilt", extra: ["metadata": ["old": "yes"]])
            try await cloud.waitFor(id, status: "ACTIVE")
            let snapshot = try await cloud.action(id, ["createImage": ["name": "base-2"]])
            let newImage = try XCTUnwrap(snapshot.json?["image_id"]?.stringValue)
            _ = try await Self.waitForActiveImage(cloud, newImage)
            try await cloud.waitFor(id, status: "ACTIVE")

            let answer = try await cloud.action(
                id, ["rebuild": ["imageRef": .string(newImage), "name": "rebuilt-2", "metadata": ["new": "yes"]]])
            XCTAssertEqual(answer.status, 202)
            XCTAssertEqual(answer.json?["server"]?["name"]?.stringValue, "rebuilt-2")
            XCTAssertNotNil(answer.json?["server"]?["adminPass"]?.stringValue)
            let rebuilt = try await cloud.waitFor(id, status: "ACTIVE")
            XCTAssertEqual(rebuilt["image"]?["id"]?.stringValue, newImage)
            XCTAssertEqual(rebuilt["metadata"], ["new": "yes"], "the metadata is replaced")
            let actions = try await cloud.compute(.GET, "/servers/\(id)/os-instance-actions")
            XCTAssertEqual(actions.json?["instanceActions"]?.arrayValue?.first?["action"]?.stringValue, "rebuild")

            try await XCTAssertEqualAsync(try await cloud.action(id, ["pause": .null]).status, 202)
            try await cloud.waitFor(id, status: "PAUSED")
            let refused = try await cloud.action(id, ["rebuild": ["imageRef": .string(cloud.imageID)]])
            XCTAssertEqual(refused.status, 409)
            XCTAssertEqual(
                refused.json?["conflictingRequest"]?["message"]?.stringValue,
                "Cannot 'rebuild' instance \(id) while it is in vm_state paused")
        }
    }
}
