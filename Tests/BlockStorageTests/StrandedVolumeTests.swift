import Foundation
import Logging
import StratusKit
import StratusTestSupport
import XCTest

@testable import BlockStorage

/// A volume whose create message was lost is taken up again by the scheduler's sweep.
final class StrandedVolumeTests: XCTestCase {
    func testAVolumeLeftInCreatingWithoutAPoolIsScheduledAgain() async throws {
        try await BlockStorageLiveCloud.run { live in
            let manager = live.service.manager
            let defaultType = try await manager.read { try await $0.volumeType(idOrName: "__DEFAULT__") }
            let type = try XCTUnwrap(defaultType)
            let old = Timestamp.now().adding(seconds: -(VolumeScheduler.strandedAfterSeconds + 5))
            let fresh = Timestamp.now()
            var volume = VolumeRecord(
                id: UUID().uuidString.lowercased(), projectID: live.adminProjectID, userID: "u", name: "lost",
                description: nil, size: 1, status: "creating", previousStatus: nil, attachStatus: "detached",
                migrationStatus: nil, availabilityZone: "nova", volumeTypeID: type.id, host: nil, snapshotID: nil,
                sourceVolumeID: nil, imageID: nil, backupID: nil, bootable: false, multiattach: false, readonly: false,
                consumesQuota: true, createdAt: old, updatedAt: nil, launchedAt: nil)
            let strandedID = volume.id
            try await manager.write { [volume] in try await $0.insert(volume) }
            volume.id = UUID().uuidString.lowercased()
            volume.createdAt = fresh
            let recentID = volume.id
            try await manager.write { [volume] in try await $0.insert(volume) }

            let scheduler = VolumeScheduler(
                database: manager.database, bus: try manager.requireBackends().bus, settings: manager.settings,
                logger: Logger(label: "test"))
            await scheduler.scheduleStranded()
            let placed = try await live.waitForVolume(strandedID, status: "available")
            XCTAssertEqual(placed["os-vol-host-attr:host"]?.stringValue, "stratus@file#thin")
            let recent = try await live.call(.GET, "/volumes/\(recentID)")
            XCTAssertEqual(recent.json?["volume"]?["status"]?.stringValue, "creating", "a volume just written is left alone")
        }
    }
}
