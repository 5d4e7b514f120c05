import Foundation
import Logging
import StratusKit
import StratusTestSupport
import XCTest

@testable import Compute

/// Level-triggered recovery: a server left in BUILD/scheduling without a host (its message
/// lost) is scheduled again by the conductor's sweep and becomes ACTIVE.
final class StrandedBuildTests: XCTestCase {
    func testTheConductorSweepBuildsAServerWhoseMessageWasLost() async throws {
        try await ComputeLiveCloud.run(hosts: 2) { cloud in
            let template = try await cloud.createServer("template")
            try await cloud.waitFor(template, status: "ACTIVE")
            let database = cloud.compute.database
            // A copy of the template's row as the API writes it, whose build_instances never went out.
            let strandedUUID = try await database.write { sql -> String in
                let q = ComputeQueries(sql: sql)
                guard var instance = try await q.instance(uuid: template) else { throw TestFailure("template missing") }
                instance.uuid = IDGenerator.uuid()
                instance.id = try await q.nextInstanceID()
                instance.name = "stranded"
                instance.vmState = VMState.building
                instance.taskState = TaskState.scheduling
                instance.powerState = PowerState.noState.rawValue
                instance.host = nil
                instance.node = nil
                instance.networkInfo = []
                instance.launchedAt = nil
                instance.updatedAt = Timestamp.now().adding(seconds: -300)
                try await q.insert(instance)
                try await q.startAction(
                    "create", instanceUUID: instance.uuid, requestID: "req-stranded", projectID: instance.projectID,
                    userID: instance.userID)
                return instance.uuid
            }
            let backends = try XCTUnwrap(cloud.compute.manager.backends)
            let conductor = ComputeConductor(
                database: database, backends: backends, logger: Logger(label: "test"), defaultAvailabilityZone: "nova")
            // Not yet stale by a recent cutoff: left alone.
            await conductor.sweepStranded(olderThan: 600)
            let untouched = try await cloud.server(strandedUUID)
            XCTAssertEqual(untouched["status"]?.stringValue, "BUILD")
            await conductor.sweepStranded(olderThan: 60)
            let server = try await cloud.waitFor(strandedUUID, status: "ACTIVE")
            XCTAssertNotNil(server["OS-EXT-SRV-ATTR:host"]?.stringValue)
            try await XCTAssertEqualAsync(try await cloud.ports(deviceID: strandedUUID).count, 1)
        }
    }
}
