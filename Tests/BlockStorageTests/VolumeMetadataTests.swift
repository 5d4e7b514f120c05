import Foundation
import NIOHTTP1
import StratusKit
import StratusTestSupport
import XCTest

@testable import BlockStorage

/// `/volumes/{id}/metadata` through the Cinder v3 API.
final class VolumeMetadataTests: XCTestCase {
    func testMergeReplaceAndSingleKeysWithCindersBodiesAndMessages() async throws {
        try await BlockStorageLiveCloud.run { live in
            let id = try VolumeActionTests.id(try await live.createVolume(["size": 1, "metadata": ["a": "1"]]))
            let path = "/volumes/\(id)/metadata"
            try await Self.expectMetadata(live, path, ["metadata": ["a": "1"]])

            let merged = try await live.call(.POST, path, json: ["metadata": ["b": "2"]], version: nil)
            XCTAssertEqual(merged.status, 200)
            XCTAssertEqual(merged.json, ["metadata": ["a": "1", "b": "2"]])
            let replaced = try await live.call(.PUT, path, json: ["metadata": ["c": "3"]], version: nil)
            XCTAssertEqual(replaced.status, 200)
            XCTAssertEqual(replaced.json, ["metadata": ["c": "3"]])
            let shown = try await VolumeActionTests.volume(live, id)
            XCTAssertEqual(shown["metadata"], ["c": "3"])

            let single = try await live.call(.GET, path + "/c", version: nil)
            XCTAssertEqual(single.json, ["meta": ["c": "3"]])
            let missing = try await live.call(.GET, path + "/zz", version: nil)
            XCTAssertEqual(missing.status, 404)
            XCTAssertEqual(missing.json?["itemNotFound"]?["message"]?.stringValue, "Volume \(id) has no metadata with key zz.")
            let putKey = try await live.call(.PUT, path + "/c", json: ["meta": ["c": "4"]], version: nil)
            XCTAssertEqual(putKey.status, 200)
            XCTAssertEqual(putKey.json, ["meta": ["c": "4"]])
            let newKey = try await live.call(.PUT, path + "/d", json: ["meta": ["d": "5"]], version: nil)
            XCTAssertEqual(newKey.status, 200)
            try await Self.expectMetadata(live, path, ["metadata": ["c": "4", "d": "5"]])
            let mismatch = try await live.call(.PUT, path + "/c", json: ["meta": ["x": "4"]], version: nil)
            XCTAssertEqual(mismatch.json?["badRequest"]?["message"]?.stringValue, "Request body and URI mismatch")
            let tooMany = try await live.call(.PUT, path + "/c", json: ["meta": ["c": "4", "e": "6"]], version: nil)
            XCTAssertEqual(tooMany.status, 400)
            XCTAssertEqual(
                tooMany.json?["badRequest"]?["message"]?.stringValue,
                "Invalid input for field/attribute meta. Value: {'c': '4', 'e': '6'}. {'c': '4', 'e': '6'} has too many properties")
            let badKey = try await live.call(.POST, path, json: ["metadata": ["no!": "x"]], version: nil)
            XCTAssertEqual(
                badKey.json?["badRequest"]?["message"]?.stringValue,
                "Invalid input for field/attribute metadata. Value: {'no!': 'x'}. Additional properties are not allowed ('no!' was unexpected)")
            let notString = try await live.call(.POST, path, json: ["metadata": ["n": 1]], version: nil)
            XCTAssertEqual(
                notString.json?["badRequest"]?["message"]?.stringValue,
                "Invalid input for field/attribute n. Value: 1. 1 is not of type 'string'")
            let noBody = try await live.call(.POST, path, json: ["meta": ["n": "1"]], version: nil)
            XCTAssertEqual(noBody.status, 400)

            let deleted = try await live.call(.DELETE, path + "/c", version: nil)
            XCTAssertEqual(deleted.status, 200)
            let deletedAgain = try await live.call(.DELETE, path + "/c", version: nil)
            XCTAssertEqual(deletedAgain.status, 404)
            try await Self.expectMetadata(live, path, ["metadata": ["d": "5"]])

            // Nothing changes while the volume is uploading.
            _ = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-reset_status": ["status": "uploading"]])
            let whileUploading = try await live.call(.POST, path, json: ["metadata": ["f": "7"]], version: nil)
            XCTAssertEqual(
                whileUploading.json?["badRequest"]?["message"]?.stringValue,
                "Invalid volume: Updating volume metadata is not allowed for volumes in uploading status.")
            let deleteWhileUploading = try await live.call(.DELETE, path + "/d", version: nil)
            XCTAssertEqual(
                deleteWhileUploading.json?["badRequest"]?["message"]?.stringValue,
                "Invalid volume: Deleting volume metadata is not allowed for volumes in uploading status.")
            try await Self.expectMetadata(live, path, ["metadata": ["d": "5"]])
        }
    }

    func testETagsGuardReplacesFrom315() async throws {
        try await BlockStorageLiveCloud.run { live in
            let id = try VolumeActionTests.id(try await live.createVolume(["size": 1, "metadata": ["a": "1"]]))
            let path = "/volumes/\(id)/metadata"
            let first = try await live.call(.GET, path, version: "3.15")
            let etag = try XCTUnwrap(first.headers.first(name: "ETag"))
            let older = try await live.call(.GET, path, version: "3.14")
            XCTAssertNil(older.headers.first(name: "ETag"))
            _ = try await live.call(.POST, path, json: ["metadata": ["b": "2"]], version: nil)
            let changed = try await live.call(.GET, path, version: "3.15")
            XCTAssertNotEqual(changed.headers.first(name: "ETag"), etag)
            let stale = try await live.cloud.call(
                .PUT, live.url + "/v3/\(live.adminProjectID)" + path, token: live.adminToken, json: ["metadata": ["c": "3"]],
                headers: ["OpenStack-API-Version": "volume 3.15", "If-Match": "\"\(etag)\""])
            XCTAssertEqual(stale.status, 412)
            try await Self.expectMetadata(live, path, ["metadata": ["a": "1", "b": "2"]])
            let freshAnswer = try await live.call(.GET, path, version: "3.15")
            let fresh = try XCTUnwrap(freshAnswer.headers.first(name: "ETag"))
            let current = try await live.cloud.call(
                .PUT, live.url + "/v3/\(live.adminProjectID)" + path, token: live.adminToken, json: ["metadata": ["c": "3"]],
                headers: ["OpenStack-API-Version": "volume 3.15", "If-Match": "\"\(fresh)\""])
            XCTAssertEqual(current.status, 200)
            XCTAssertEqual(current.json, ["metadata": ["c": "3"]])
        }
    }

    func testReadersReadMembersWriteAndOtherProjectsSeeNothing() async throws {
        try await BlockStorageLiveCloud.run { live in
            let adminVolume = try VolumeActionTests.id(try await live.createVolume(["size": 1]))
            let project = try await live.cloud.project("tenant-a")
            let member = try await live.cloud.user("alice", projectID: project, role: "member")
            let reader = try await live.cloud.user("rita", projectID: project, role: "reader")
            let own = try VolumeActionTests.id(try await live.createVolume(["size": 1, "metadata": ["k": "v"]], token: member, project: project))
            let path = "/volumes/\(own)/metadata"
            let read = try await live.call(.GET, path, token: reader, project: project, version: nil)
            XCTAssertEqual(read.json, ["metadata": ["k": "v"]])
            for (method, suffix, body, rule) in [
                (HTTPMethod.POST, "", JSONValue.object(["metadata": ["x": "y"]]), "volume:create_volume_metadata"),
                (.PUT, "", ["metadata": ["x": "y"]], "volume:update_volume_metadata"),
                (.PUT, "/k", ["meta": ["k": "w"]], "volume:update_volume_metadata"),
            ] {
                let refused = try await live.call(method, path + suffix, token: reader, project: project, json: body, version: nil)
                XCTAssertEqual(refused.status, 403, "\(method) \(suffix)")
                XCTAssertEqual(refused.json?["forbidden"]?["message"]?.stringValue, "Policy doesn't allow \(rule) to be performed.")
            }
            let readerDelete = try await live.call(.DELETE, path + "/k", token: reader, project: project, version: nil)
            XCTAssertEqual(
                readerDelete.json?["forbidden"]?["message"]?.stringValue, "Policy doesn't allow volume:delete_volume_metadata to be performed.")
            let memberWrite = try await live.call(
                .POST, path, token: member, project: project, json: ["metadata": ["x": "y"]], version: nil)
            XCTAssertEqual(memberWrite.json, ["metadata": ["k": "v", "x": "y"]])
            let others = try await live.call(.GET, "/volumes/\(adminVolume)/metadata", token: member, project: project, version: nil)
            XCTAssertEqual(others.status, 404)
            XCTAssertEqual(others.json?["itemNotFound"]?["message"]?.stringValue, "Volume \(adminVolume) could not be found.")
        }
    }

    static func expectMetadata(
        _ live: BlockStorageLiveCloud, _ path: String, _ expected: JSONValue, file: StaticString = #filePath, line: UInt = #line
    ) async throws {
        let answer = try await live.call(.GET, path, version: nil)
        XCTAssertEqual(answer.json, expected, file: file, line: line)
    }
}
