import Foundation
import StratusKit
import StratusTestSupport
import XCTest

@testable import BlockStorage

/// Snapshots and revert through the Cinder v3 API, against the real agent and file driver.
final class SnapshotTests: XCTestCase {
    func testSnapshotLifecycleWithMetadata() async throws {
        try await BlockStorageLiveCloud.run { live in
            let volumeID = try unwrap(try await live.createVolume(["size": 1, "name": "data"])["id"]?.stringValue)
            let created = try await live.call(
                .POST, "/snapshots",
                json: ["snapshot": ["volume_id": .string(volumeID), "name": "first", "description": "d", "metadata": ["k": "v"]]],
                version: "3.65")
            XCTAssertEqual(created.status, 202)
            let body = try XCTUnwrap(created.json?["snapshot"])
            let id = try XCTUnwrap(body["id"]?.stringValue)
            XCTAssertEqual(body["status"]?.stringValue, "creating")
            XCTAssertEqual(body["size"]?.intValue, 1)
            XCTAssertNil(body["os-extended-snapshot-attributes:progress"])

            let snapshot = try await live.waitFor("snapshots", id, status: "available")
            XCTAssertEqual(snapshot["os-extended-snapshot-attributes:progress"]?.stringValue, "100%")
            XCTAssertEqual(snapshot["os-extended-snapshot-attributes:project_id"]?.stringValue, live.adminProjectID)
            XCTAssertEqual(snapshot["volume_id"]?.stringValue, volumeID)
            XCTAssertEqual(snapshot["metadata"]?["k"]?.stringValue, "v")
            XCTAssertEqual(snapshot["consumes_quota"]?.boolValue, true)
            XCTAssertNotNil(snapshot["user_id"]?.stringValue)
            XCTAssertTrue(FileManager.default.fileExists(atPath: live.cloud.directory + "/volumes/thin/snapshot-\(id).qcow2"))
            let old = try await live.call(.GET, "/snapshots/\(id)", version: "3.0")
            XCTAssertNil(old.json?["snapshot"]?["user_id"])

            let summary = try await live.call(.GET, "/snapshots")
            XCTAssertEqual(summary.json?["snapshots"]?.arrayValue?.map { $0["id"]?.stringValue }, [id])
            XCTAssertNil(summary.json?["snapshots"]?.arrayValue?.first?["os-extended-snapshot-attributes:progress"])
            let detail = try await live.call(.GET, "/snapshots/detail?volume_id=\(volumeID)&name=first")
            XCTAssertEqual(detail.json?["snapshots"]?.arrayValue?.first?["os-extended-snapshot-attributes:progress"], "100%")
            let none = try await live.call(.GET, "/snapshots/detail?status=error")
            XCTAssertEqual(none.json?["snapshots"]?.arrayValue?.count, 0)

            let renamed = try await live.call(.PUT, "/snapshots/\(id)", json: ["snapshot": ["name": "renamed"]])
            XCTAssertEqual(renamed.json?["snapshot"]?["name"]?.stringValue, "renamed")

            let merged = try await live.call(.POST, "/snapshots/\(id)/metadata", json: ["metadata": ["a": "1"]], version: nil)
            XCTAssertEqual(merged.json?["metadata"], ["k": "v", "a": "1"])
            let one = try await live.call(.GET, "/snapshots/\(id)/metadata/a", version: nil)
            XCTAssertEqual(one.json?["meta"], ["a": "1"])
            let mismatch = try await live.call(.PUT, "/snapshots/\(id)/metadata/a", json: ["meta": ["b": "2"]], version: nil)
            XCTAssertEqual(mismatch.json?["badRequest"]?["message"]?.stringValue, "Request body and URI mismatch")
            let removed = try await live.call(.DELETE, "/snapshots/\(id)/metadata/k", version: nil)
            XCTAssertEqual(removed.status, 200)
            let missingKey = try await live.call(.DELETE, "/snapshots/\(id)/metadata/k", version: nil)
            XCTAssertEqual(
                missingKey.json?["itemNotFound"]?["message"]?.stringValue, "Snapshot \(id) has no metadata with key k.")
            let replaced = try await live.call(.PUT, "/snapshots/\(id)/metadata", json: ["metadata": ["z": "9"]], version: nil)
            XCTAssertEqual(replaced.json?["metadata"], ["z": "9"])

            let deleted = try await live.call(.DELETE, "/snapshots/\(id)")
            XCTAssertEqual(deleted.status, 202)
            try await live.waitForGone("snapshots", id)
            XCTAssertFalse(FileManager.default.fileExists(atPath: live.cloud.directory + "/volumes/thin/snapshot-\(id).qcow2"))
            let gone = try await live.call(.GET, "/snapshots/\(id)")
            XCTAssertEqual(gone.json?["itemNotFound"]?["message"]?.stringValue, "Snapshot \(id) could not be found.")
        }
    }

    func testInUseVolumesFollowTheForceRules() async throws {
        try await BlockStorageLiveCloud.run { live in
            let volumeID = try unwrap(try await live.createVolume(["size": 1])["id"]?.stringValue)
            try await live.attach(volumeID)
            func create(_ body: JSONValue, _ version: String) async throws -> LiveCloud.Answer {
                try await live.call(.POST, "/snapshots", json: ["snapshot": body], version: version)
            }
            let refused = try await create(["volume_id": .string(volumeID), "force": false], "3.65")
            XCTAssertEqual(refused.status, 400)
            XCTAssertEqual(
                refused.json?["badRequest"]?["message"]?.stringValue,
                "Invalid volume: Volume \(volumeID) status must be available, but current status is: in-use.")
            let forceFalseAt366 = try await create(["volume_id": .string(volumeID), "force": false], "3.66")
            XCTAssertEqual(
                forceFalseAt366.json?["badRequest"]?["message"]?.stringValue,
                "Since microversion 3.66 the 'force' flag is invalid for this request.  For backward compatability, however, when the 'force' flag is passed with a value evaluating to True, it is silently ignored.")
            // What the CLI sends: 3.65 and no force at all.
            let cli = try await create(["volume_id": .string(volumeID), "name": "cli"], "3.65")
            XCTAssertEqual(cli.status, 202)
            let forced = try await create(["volume_id": .string(volumeID), "force": true], "3.0")
            XCTAssertEqual(forced.status, 202)
            let newer = try await create(["volume_id": .string(volumeID)], "3.66")
            XCTAssertEqual(newer.status, 202)
            for answer in [cli, forced, newer] {
                _ = try await live.waitFor("snapshots", try XCTUnwrap(answer.json?["snapshot"]?["id"]?.stringValue), status: "available")
            }
            let list = try await live.call(.GET, "/snapshots/detail")
            XCTAssertEqual(list.json?["snapshots"]?.arrayValue?.count, 3)
            let noVolume = try await create(["name": "x"], "3.65")
            XCTAssertEqual(noVolume.status, 400)
        }
    }

    func testQuotaAndPolicyRefusalsWriteNothing() async throws {
        try await BlockStorageLiveCloud.run { live in
            let project = try await live.cloud.project("snapshots")
            let member = try await live.cloud.user("sam", projectID: project, role: "member")
            let reader = try await live.cloud.user("rita", projectID: project, role: "reader")
            let quota = try await live.call(.PUT, "/os-quota-sets/\(project)", json: ["quota_set": ["snapshots": 1]])
            XCTAssertEqual(quota.status, 200)
            let volumeID = try unwrap(try await live.createVolume(["size": 1], token: member, project: project)["id"]?.stringValue)
            let first = try await live.call(
                .POST, "/snapshots", token: member, project: project, json: ["snapshot": ["volume_id": .string(volumeID)]])
            XCTAssertEqual(first.status, 202)
            let second = try await live.call(
                .POST, "/snapshots", token: member, project: project, json: ["snapshot": ["volume_id": .string(volumeID)]])
            XCTAssertEqual(second.status, 413)
            XCTAssertEqual(
                second.json?["overLimit"]?["message"]?.stringValue, "SnapshotLimitExceeded: Maximum number of snapshots allowed (1) exceeded")
            let byReader = try await live.call(
                .POST, "/snapshots", token: reader, project: project, json: ["snapshot": ["volume_id": .string(volumeID)]])
            XCTAssertEqual(byReader.status, 403)
            XCTAssertEqual(
                byReader.json?["forbidden"]?["message"]?.stringValue, "Policy doesn't allow volume:create_snapshot to be performed.")
            let list = try await live.call(.GET, "/snapshots", token: reader, project: project)
            XCTAssertEqual(list.json?["snapshots"]?.arrayValue?.count, 1)
            let snapshotID = try XCTUnwrap(first.json?["snapshot"]?["id"]?.stringValue)
            _ = try await live.waitFor("snapshots", snapshotID, status: "available", token: member, project: project)
            // Another project's member sees nothing of it.
            let otherProject = try await live.cloud.project("others")
            let outsider = try await live.cloud.user("olga", projectID: otherProject, role: "member")
            let hidden = try await live.call(.GET, "/snapshots/\(snapshotID)", token: outsider, project: otherProject)
            XCTAssertEqual(hidden.status, 404)
            let reset = try await live.call(
                .POST, "/snapshots/\(snapshotID)/action", token: member, project: project,
                json: ["os-reset_status": ["status": "error"]])
            XCTAssertEqual(reset.status, 403)
            let badStatus = try await live.call(
                .POST, "/snapshots/\(snapshotID)/action", json: ["os-reset_status": ["status": "sleeping"]])
            XCTAssertEqual(badStatus.status, 400)
            let adminReset = try await live.call(
                .POST, "/snapshots/\(snapshotID)/action", json: ["os-reset_status": ["status": "creating"]])
            XCTAssertEqual(adminReset.status, 202)
            let notDeletable = try await live.call(.DELETE, "/snapshots/\(snapshotID)", token: member, project: project)
            XCTAssertEqual(
                notDeletable.json?["badRequest"]?["message"]?.stringValue,
                "Invalid snapshot: Snapshot status must be available or error and must not be part of a group.")
            let forced = try await live.call(.POST, "/snapshots/\(snapshotID)/action", json: ["os-force_delete": .null])
            XCTAssertEqual(forced.status, 202)
            try await live.waitForGone("snapshots", snapshotID)
        }
    }

    func testVolumeFromSnapshotKeepsTheDataAndDeleteNeedsCascade() async throws {
        try await BlockStorageLiveCloud.run { live in
            let type = try await live.thickType()
            let volume = try await live.createVolume(["size": 1, "volume_type": .string(type)])
            let volumeID = try XCTUnwrap(volume["id"]?.stringValue)
            XCTAssertEqual(volume["os-vol-host-attr:host"]?.stringValue, "stratus@file#thick")
            let original: [UInt8] = Array("snapshot me".utf8)
            try live.write(original, at: 5 << 20, intoThickVolume: volumeID)
            let snapshotID = try unwrap(try await live.createSnapshot(of: volumeID)["id"]?.stringValue)
            try live.write(Array("overwritten".utf8), at: 5 << 20, intoThickVolume: volumeID)

            let copy = try await live.createVolume(["snapshot_id": .string(snapshotID), "volume_type": .string(type)])
            let copyID = try XCTUnwrap(copy["id"]?.stringValue)
            XCTAssertEqual(copy["snapshot_id"]?.stringValue, snapshotID)
            let copied = try await live.read(original.count, at: 5 << 20, ofVolume: copyID, pool: "thick")
            XCTAssertEqual(copied, original)

            let refused = try await live.call(.DELETE, "/volumes/\(volumeID)")
            XCTAssertEqual(refused.status, 400)
            XCTAssertEqual(refused.json?["badRequest"]?["message"]?.stringValue, "Invalid volume: " + VolumeStatus.deleteRefusal)
            let cascade = try await live.call(.DELETE, "/volumes/\(volumeID)?cascade=True&force=False")
            XCTAssertEqual(cascade.status, 202)
            try await live.waitForVolumeGone(volumeID)
            try await live.waitForGone("snapshots", snapshotID)
            let pool = live.cloud.directory + "/volumes/thick"
            XCTAssertFalse(FileManager.default.fileExists(atPath: pool + "/snapshot-\(snapshotID).raw"))
            XCTAssertFalse(FileManager.default.fileExists(atPath: pool + "/volume-\(volumeID).raw"))
            // The volume made from the snapshot keeps its own data.
            let kept = try await live.read(original.count, at: 5 << 20, ofVolume: copyID, pool: "thick")
            XCTAssertEqual(kept, original)
        }
    }

    func testRevertRestoresTheLatestSnapshotsBytes() async throws {
        try await BlockStorageLiveCloud.run { live in
            let type = try await live.thickType()
            let volumeID = try unwrap(try await live.createVolume(["size": 1, "volume_type": .string(type)])["id"]?.stringValue)
            func revert(_ snapshotID: String, version: String = "3.70") async throws -> LiveCloud.Answer {
                try await live.call(
                    .POST, "/volumes/\(volumeID)/action", json: ["revert": ["snapshot_id": .string(snapshotID)]], version: version)
            }
            let noSnapshots = try await revert(UUID().uuidString.lowercased())
            XCTAssertEqual(noSnapshots.json?["badRequest"]?["message"]?.stringValue, "Volume \(volumeID) doesn't have any snapshots.")

            try live.write(Array("first".utf8), at: 0, intoThickVolume: volumeID)
            let older = try unwrap(try await live.createSnapshot(of: volumeID, name: "older")["id"]?.stringValue)
            try live.write(Array("second".utf8), at: 0, intoThickVolume: volumeID)
            let latest = try unwrap(try await live.createSnapshot(of: volumeID, name: "latest")["id"]?.stringValue)
            try live.write(Array("third!".utf8), at: 0, intoThickVolume: volumeID)

            let notLatest = try await revert(older)
            XCTAssertEqual(notLatest.status, 400)
            XCTAssertEqual(
                notLatest.json?["badRequest"]?["message"]?.stringValue,
                "Specified snapshot \(older) is None or not the latest one of volume \(volumeID).")
            let tooOld = try await revert(latest, version: "3.39")
            XCTAssertEqual(tooOld.status, 404)

            let reserved = try await live.call(.POST, "/volumes/\(volumeID)/action", json: ["os-reserve": [:]])
            XCTAssertEqual(reserved.status, 202)
            let busy = try await revert(latest)
            XCTAssertEqual(busy.status, 409)
            XCTAssertEqual(
                busy.json?["conflictingRequest"]?["message"]?.stringValue,
                "Invalid volume: Can't revert volume \(volumeID) to its latest snapshot \(latest). Volume's status must be 'available'.")
            _ = try await live.call(.POST, "/volumes/\(volumeID)/action", json: ["os-unreserve": [:]])

            let accepted = try await revert(latest)
            XCTAssertEqual(accepted.status, 202)
            _ = try await live.waitForVolume(volumeID, status: "available")
            _ = try await live.waitFor("snapshots", latest, status: "available")
            let bytes = try await live.read(6, at: 0, ofVolume: volumeID, pool: "thick")
            XCTAssertEqual(bytes, Array("second".utf8))
        }
    }

    func testListsArePagedAndAFailedSnapshotSaysWhy() async throws {
        try await BlockStorageLiveCloud.run { live in
            let type = try await live.thickType()
            let volumeID = try unwrap(try await live.createVolume(["size": 1, "volume_type": .string(type)])["id"]?.stringValue)
            var ids: [String] = []
            for name in ["a", "b", "c"] {
                ids.append(try unwrap(try await live.createSnapshot(of: volumeID, name: name)["id"]?.stringValue))
            }
            let firstPage = try await live.call(.GET, "/snapshots/detail?limit=2&sort=name:asc")
            XCTAssertEqual(firstPage.json?["snapshots"]?.arrayValue?.map { $0["name"]?.stringValue }, ["a", "b"])
            let next = try unwrap(firstPage.json?["snapshots_links"]?.arrayValue?.first?["href"]?.stringValue)
            XCTAssertTrue(next.contains("marker=\(ids[1])"), next)
            let secondPage = try await live.call(.GET, "/snapshots/detail?limit=2&sort=name:asc&marker=\(ids[1])")
            XCTAssertEqual(secondPage.json?["snapshots"]?.arrayValue?.map { $0["name"]?.stringValue }, ["c"])
            XCTAssertNil(secondPage.json?["snapshots_links"])
            let counted = try await live.call(.GET, "/snapshots?with_count=true&limit=1")
            XCTAssertEqual(counted.json?["count"]?.intValue, 3)
            let badSort = try await live.call(.GET, "/snapshots?sort=colour:asc")
            XCTAssertEqual(badSort.json?["badRequest"]?["message"]?.stringValue, "Invalid input received: Invalid sort key colour")

            // The back end loses the volume's file: the snapshot fails with a user message.
            try FileManager.default.removeItem(atPath: live.thickVolumePath(volumeID))
            let created = try await live.call(.POST, "/snapshots", json: ["snapshot": ["volume_id": .string(volumeID)]])
            let failedID = try unwrap(created.json?["snapshot"]?["id"]?.stringValue)
            let failed = try await live.waitFor("snapshots", failedID, status: "error")
            XCTAssertEqual(failed["status"]?.stringValue, "error")
            let messages = try await live.call(.GET, "/messages", version: "3.3")
            let message = messages.json?["messages"]?.arrayValue?.first { $0["resource_uuid"]?.stringValue == failedID }
            XCTAssertEqual(message?["resource_type"]?.stringValue, "VOLUME_SNAPSHOT")
            XCTAssertTrue(message?["user_message"]?.stringValue?.hasPrefix("create snapshot:") == true, "\(String(describing: message))")
        }
    }
}
