import Foundation
import SQLKit
import StratusKit
import StratusTestSupport
import XCTest

@testable import BlockStorage

/// Backups through the Cinder v3 API: the volume agent writes them to the chunked file store.
final class BackupTests: XCTestCase {
    func testFullAndIncrementalBackupsRestoreToNewAndExistingVolumes() async throws {
        try await BlockStorageLiveCloud.run { live in
            let type = try await live.thickType()
            let volumeID = try unwrap(try await live.createVolume(["size": 1, "volume_type": .string(type)])["id"]?.stringValue)
            let first = Array("first chunk".utf8)
            let second = Array("second chunk".utf8)
            let third = Array("third chunk".utf8)
            try live.write(first, at: 0, intoThickVolume: volumeID)
            try live.write(second, at: 10 << 20, intoThickVolume: volumeID)

            let full = try await live.createBackup(of: volumeID)
            let fullID = try XCTUnwrap(full["id"]?.stringValue)
            XCTAssertEqual(full["is_incremental"]?.boolValue, false)
            XCTAssertEqual(full["object_count"]?.intValue, 2, "two chunks hold data; the zero ones are not stored")
            XCTAssertEqual(full["size"]?.intValue, 1)
            XCTAssertEqual(full["volume_id"]?.stringValue, volumeID)
            let volumeAfter = try await live.waitForVolume(volumeID, status: "available")
            XCTAssertEqual(volumeAfter["status"]?.stringValue, "available")
            XCTAssertTrue(FileManager.default.fileExists(atPath: live.cloud.directory + "/backups/\(fullID)/manifest.json"))

            try live.write(third, at: 20 << 20, intoThickVolume: volumeID)
            let incremental = try await live.createBackup(of: volumeID, incremental: true)
            let incrementalID = try XCTUnwrap(incremental["id"]?.stringValue)
            XCTAssertEqual(incremental["is_incremental"]?.boolValue, true)
            XCTAssertEqual(incremental["object_count"]?.intValue, 1, "only the changed chunk is stored")
            let parent = try await live.call(.GET, "/backups/\(fullID)", version: "3.64")
            XCTAssertEqual(parent.json?["backup"]?["has_dependent_backups"]?.boolValue, true)

            let refused = try await live.call(.DELETE, "/backups/\(fullID)", version: "3.64")
            XCTAssertEqual(refused.status, 400)
            XCTAssertEqual(
                refused.json?["badRequest"]?["message"]?.stringValue, "Invalid backup: Incremental backups exist for this backup.")

            // Restore the incremental into a new volume: the chain gives back all three chunks.
            let restored = try await live.call(
                .POST, "/backups/\(incrementalID)/restore", json: ["restore": ["name": "from-backup"]], version: nil)
            XCTAssertEqual(restored.status, 202)
            XCTAssertEqual(restored.json?["restore"]?["backup_id"]?.stringValue, incrementalID)
            XCTAssertEqual(restored.json?["restore"]?["volume_name"]?.stringValue, "from-backup")
            let newID = try XCTUnwrap(restored.json?["restore"]?["volume_id"]?.stringValue)
            let newVolume = try await live.waitForVolume(newID, status: "available")
            XCTAssertEqual(newVolume["size"]?.intValue, 1)
            let newPool = try XCTUnwrap(newVolume["os-vol-host-attr:host"]?.stringValue?.split(separator: "#").last.map(String.init))
            let restoredFirst = try await live.read(first.count, at: 0, ofVolume: newID, pool: newPool)
            let restoredSecond = try await live.read(second.count, at: 10 << 20, ofVolume: newID, pool: newPool)
            let restoredThird = try await live.read(third.count, at: 20 << 20, ofVolume: newID, pool: newPool)
            XCTAssertEqual(restoredFirst, first)
            XCTAssertEqual(restoredSecond, second)
            XCTAssertEqual(restoredThird, third)
            _ = try await live.waitFor("backups", incrementalID, status: "available")

            // Restore the full backup over an existing volume: the later write is not in it.
            let targetID = try unwrap(try await live.createVolume(["size": 1, "volume_type": .string(type)])["id"]?.stringValue)
            try live.write(Array("junk".utf8), at: 20 << 20, intoThickVolume: targetID)
            let overExisting = try await live.call(
                .POST, "/backups/\(fullID)/restore", json: ["restore": ["volume_id": .string(targetID)]], version: nil)
            XCTAssertEqual(overExisting.status, 202)
            XCTAssertEqual(overExisting.json?["restore"]?["volume_id"]?.stringValue, targetID)
            _ = try await live.waitForVolume(targetID, status: "available")
            _ = try await live.waitFor("backups", fullID, status: "available")
            let targetFirst = try await live.read(first.count, at: 0, ofVolume: targetID, pool: "thick")
            let targetThird = try await live.read(4, at: 20 << 20, ofVolume: targetID, pool: "thick")
            XCTAssertEqual(targetFirst, first)
            XCTAssertEqual(targetThird, [0, 0, 0, 0])

            // The incremental goes first, then its parent; the store keeps nothing of either.
            let deleteIncremental = try await live.call(.DELETE, "/backups/\(incrementalID)", version: "3.64")
            XCTAssertEqual(deleteIncremental.status, 202)
            try await live.waitForGone("backups", incrementalID)
            let deleteFull = try await live.call(.DELETE, "/backups/\(fullID)", version: "3.64")
            XCTAssertEqual(deleteFull.status, 202)
            try await live.waitForGone("backups", fullID)
            let left = try FileManager.default.contentsOfDirectory(atPath: live.cloud.directory + "/backups")
            XCTAssertEqual(left, [])
        }
    }

    func testBackupRulesAndMessages() async throws {
        try await BlockStorageLiveCloud.run { live in
            let volumeID = try unwrap(try await live.createVolume(["size": 1])["id"]?.stringValue)
            func create(_ body: JSONValue) async throws -> LiveCloud.Answer {
                try await live.call(.POST, "/backups", json: ["backup": body], version: "3.64")
            }
            let noParent = try await create(["volume_id": .string(volumeID), "incremental": true])
            XCTAssertEqual(
                noParent.json?["badRequest"]?["message"]?.stringValue, "Invalid backup: No backups available to do an incremental backup.")

            let created = try await create(["volume_id": .string(volumeID), "name": "b1", "description": .null, "force": false])
            XCTAssertEqual(created.status, 202)
            XCTAssertEqual(Set(try XCTUnwrap(created.json?["backup"]?.objectValue).keys), ["id", "name", "links"])
            let backupID = try XCTUnwrap(created.json?["backup"]?["id"]?.stringValue)
            _ = try await live.waitFor("backups", backupID, status: "available")
            let list = try await live.call(.GET, "/backups/detail?all_tenants=False", version: "3.64")
            XCTAssertEqual(list.json?["backups"]?.arrayValue?.first?["name"]?.stringValue, "b1")
            let summary = try await live.call(.GET, "/backups", version: "3.64")
            XCTAssertEqual(summary.json?["backups"]?.arrayValue?.map { $0["id"]?.stringValue }, [backupID])
            let updated = try await live.call(.PUT, "/backups/\(backupID)", json: ["backup": ["name": "renamed"]], version: "3.9")
            XCTAssertEqual(updated.json?["backup"]?["name"]?.stringValue, "renamed")
            let updateTooOld = try await live.call(.PUT, "/backups/\(backupID)", json: ["backup": ["name": "x"]], version: "3.8")
            XCTAssertEqual(updateTooOld.status, 404)

            try await live.attach(volumeID)
            let inUse = try await create(["volume_id": .string(volumeID)])
            XCTAssertEqual(
                inUse.json?["badRequest"]?["message"]?.stringValue, "Invalid volume: Backing up an in-use volume must use the force flag.")
            let forced = try await live.createBackup(of: volumeID, force: true)
            XCTAssertEqual(forced["status"]?.stringValue, "available")
            let backToInUse = try await live.waitForVolume(volumeID, status: "in-use")
            XCTAssertEqual(backToInUse["status"]?.stringValue, "in-use")
            let restoreInUse = try await live.call(
                .POST, "/backups/\(backupID)/restore", json: ["restore": ["volume_id": .string(volumeID)]], version: nil)
            XCTAssertEqual(
                restoreInUse.json?["badRequest"]?["message"]?.stringValue, "Invalid volume: Volume to be restored to must be available")

            // Quota: the project may hold two backups.
            let quota = try await live.call(.PUT, "/os-quota-sets/\(live.adminProjectID)", json: ["quota_set": ["backups": 2]])
            XCTAssertEqual(quota.status, 200)
            let overQuota = try await create(["volume_id": .string(volumeID), "force": true])
            XCTAssertEqual(overQuota.status, 413)
            XCTAssertEqual(
                overQuota.json?["overLimit"]?["message"]?.stringValue, "BackupLimitExceeded: Maximum number of backups allowed (2) exceeded")
            let volume = try await live.waitForVolume(volumeID, status: "in-use")
            XCTAssertEqual(volume["status"]?.stringValue, "in-use", "a refused backup leaves the volume as it was")

            // Without a live cinder-backup service there is nothing to back up with.
            try await live.service.database.write { sql in
                try await sql.update("volume_services").set("disabled", to: SQLBind(true))
                    .where("binary", .equal, "cinder-backup").run()
            }
            let noService = try await create(["volume_id": .string(volumeID), "force": true])
            XCTAssertEqual(noService.status, 503)
            XCTAssertEqual(noService.json?["serviceUnavailable"]?["message"]?.stringValue, "Service cinder-backup could not be found.")

            let resetByAdmin = try await live.call(
                .POST, "/backups/\(backupID)/action", json: ["os-reset_status": ["status": "error"]], version: "3.64")
            XCTAssertEqual(resetByAdmin.status, 202)
            let errored = try await live.call(.GET, "/backups/\(backupID)", version: "3.64")
            XCTAssertEqual(errored.json?["backup"]?["status"]?.stringValue, "error")
            let restoreErrored = try await live.call(
                .POST, "/backups/\(backupID)/restore", json: ["restore": ["name": "x"]], version: nil)
            XCTAssertEqual(restoreErrored.json?["badRequest"]?["message"]?.stringValue, "Invalid backup: Backup status must be available")
            let forceDelete = try await live.call(.POST, "/backups/\(backupID)/action", json: ["os-force_delete": .null], version: "3.64")
            XCTAssertEqual(forceDelete.status, 202)
            try await live.waitForGone("backups", backupID)
        }
    }

    func testTheFileStoreKeepsOnlyChangedChunksAndRebuildsTheImage() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("backup-store-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let store = FileBackupStore(root: root + "/store", chunkSize: 4096)
        var image = [UInt8](repeating: 0, count: 4096 * 4 + 100)
        image[0] = 1
        image[4096 * 2] = 2
        image[4096 * 4 + 50] = 3
        let path = root + "/image.raw"
        try Data(image).write(to: URL(fileURLWithPath: path))
        let fullID = UUID().uuidString.lowercased()
        let full = try await store.write(backupID: fullID, rawImagePath: path, parentID: nil)
        XCTAssertEqual(full, BackupWriteResult(sizeBytes: Int64(image.count), chunkCount: 5, storedChunkCount: 3))

        image[4096 * 2] = 9
        try Data(image).write(to: URL(fileURLWithPath: path))
        let nextID = UUID().uuidString.lowercased()
        let next = try await store.write(backupID: nextID, rawImagePath: path, parentID: fullID)
        XCTAssertEqual(next.storedChunkCount, 1)

        let restored = root + "/restored.raw"
        try await store.restore(backupID: nextID, to: restored)
        XCTAssertEqual([UInt8](try Data(contentsOf: URL(fileURLWithPath: restored))), image)
        try await store.restore(backupID: fullID, to: restored)
        let older = [UInt8](try Data(contentsOf: URL(fileURLWithPath: restored)))
        XCTAssertEqual(older[4096 * 2], 2)

        // A damaged chunk is found, not restored silently.
        let chunks = root + "/store/\(nextID)/chunks"
        let name = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: chunks).first)
        try Data([0xff]).write(to: URL(fileURLWithPath: chunks + "/" + name))
        do {
            try await store.restore(backupID: nextID, to: restored)
            XCTFail("a damaged chunk was restored")
        } catch let error as VolumeDriverError {
            XCTAssertTrue(error.message.contains("damaged"), error.message)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: restored))
        do {
            _ = try await store.write(backupID: "../escape", rawImagePath: path, parentID: nil)
            XCTFail("a path-shaped id was accepted")
        } catch is VolumeDriverError {}
        try await store.delete(backupID: nextID)
        try await store.delete(backupID: nextID)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/store/\(nextID)"))
    }

    func testABackupOfASnapshotHoldsTheSnapshotsData() async throws {
        try await BlockStorageLiveCloud.run { live in
            let type = try await live.thickType()
            let volumeID = try unwrap(try await live.createVolume(["size": 1, "volume_type": .string(type)])["id"]?.stringValue)
            try live.write(Array("at snapshot time".utf8), at: 1 << 20, intoThickVolume: volumeID)
            let snapshotID = try unwrap(try await live.createSnapshot(of: volumeID)["id"]?.stringValue)
            try live.write(Array("later on, change".utf8), at: 1 << 20, intoThickVolume: volumeID)

            let created = try await live.call(
                .POST, "/backups", json: ["backup": ["volume_id": .string(volumeID), "snapshot_id": .string(snapshotID)]],
                version: "3.64")
            XCTAssertEqual(created.status, 202)
            let backupID = try unwrap(created.json?["backup"]?["id"]?.stringValue)
            let backup = try await live.waitFor("backups", backupID, status: "available")
            XCTAssertEqual(backup["snapshot_id"]?.stringValue, snapshotID)
            _ = try await live.waitFor("snapshots", snapshotID, status: "available")
            let restored = try await live.call(
                .POST, "/backups/\(backupID)/restore", json: ["restore": ["volume_id": .null, "name": "snap-copy"]], version: nil)
            let newID = try unwrap(restored.json?["restore"]?["volume_id"]?.stringValue)
            let volume = try await live.waitForVolume(newID, status: "available")
            let pool = try unwrap(volume["os-vol-host-attr:host"]?.stringValue?.split(separator: "#").last.map(String.init))
            let bytes = try await live.read(16, at: 1 << 20, ofVolume: newID, pool: pool)
            XCTAssertEqual(bytes, Array("at snapshot time".utf8))
            // Only the snapshot's own pool file and the volumes remain: the temporary copy is gone.
            let thick = try FileManager.default.contentsOfDirectory(atPath: live.cloud.directory + "/volumes/thick")
            XCTAssertEqual(thick.filter { $0.hasPrefix("volume-") }.count, 1, "\(thick)")

            let otherVolume = try unwrap(try await live.createVolume(["size": 1])["id"]?.stringValue)
            let mismatch = try await live.call(
                .POST, "/backups", json: ["backup": ["volume_id": .string(otherVolume), "snapshot_id": .string(snapshotID)]],
                version: "3.64")
            XCTAssertEqual(
                mismatch.json?["badRequest"]?["message"]?.stringValue,
                "Invalid volume: Volume \(otherVolume) does not match with snapshot.volume_id \(volumeID).")
        }
    }
}
