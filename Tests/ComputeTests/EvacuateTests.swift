import Foundation
import StratusKit
import StratusTestSupport
import XCTest

@testable import Compute

/// `evacuate` through the HTTP API: refused while the host runs, a rebuild elsewhere once
/// it is down, the old host's clean-up when it comes back, and the failure paths.
final class EvacuateTests: XCTestCase {
    private static let tiny: [String: Int64] = ["VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1]

    func testEvacuateRebuildsElsewhereAndTheOldHostCleansUpWhenBack() async throws {
        try await ComputeLiveCloud.run(hosts: 2, config: ["compute.sync_power_state_interval": "1"]) { cloud in
            let id = try await cloud.createServer("refugee")
            try await cloud.waitFor(id, status: "ACTIVE")
            let source = try await cloud.host(of: id)
            let destination = source == "compute1" ? "compute2" : "compute1"

            let inUse = try await cloud.action(id, ["evacuate": [:]], version: "2.29")
            XCTAssertEqual(inUse.status, 400)
            XCTAssertEqual(inUse.json?["badRequest"]?["message"]?.stringValue, "Compute service of \(source) is still in use.")
            try await XCTAssertEqualAsync(try await cloud.migrations(query: "instance_uuid=\(id)").count, 0, "nothing recorded")

            try await cloud.setForcedDown(source, true)
            let unknown = try await cloud.action(id, ["evacuate": ["host": "nowhere"]], version: "2.29")
            XCTAssertEqual(unknown.status, 404)
            XCTAssertEqual(unknown.json?["itemNotFound"]?["message"]?.stringValue, "Compute host nowhere not found.")
            let same = try await cloud.action(id, ["evacuate": ["host": .string(source)]], version: "2.29")
            XCTAssertEqual(same.json?["badRequest"]?["message"]?.stringValue, "The target host can't be the same one.")
            let noSharedStorage = try await cloud.action(id, ["evacuate": [:]], version: "2.13")
            XCTAssertEqual(noSharedStorage.status, 400, "onSharedStorage is required below 2.14")
            let passOnShared = try await cloud.action(
                id, ["evacuate": ["onSharedStorage": true, "adminPass": "secret"]], version: "2.13")
            XCTAssertEqual(
                passOnShared.json?["badRequest"]?["message"]?.stringValue, "admin password can't be changed on existing disk")
            let project = try await cloud.cloud.project("evacuate-project")
            let member = try await cloud.cloud.user("evacuate-member", projectID: project, role: "member")
            let own = try await cloud.createServer("own", token: member)
            try await cloud.waitFor(own, status: "ACTIVE")
            try await XCTAssertEqualAsync(
                try await cloud.action(own, ["evacuate": [:]], token: member).status, 403, "evacuate is for admins")

            let answer = try await cloud.action(id, ["evacuate": ["onSharedStorage": false]], version: "2.13")
            XCTAssertEqual(answer.status, 200)
            XCTAssertEqual(answer.json?["adminPass"]?.stringValue?.isEmpty, false, "a generated password below 2.14")
            let rebuilt = try await cloud.waitFor(id, status: "ACTIVE")
            XCTAssertEqual(rebuilt["OS-EXT-SRV-ATTR:host"]?.stringValue, destination)
            let migration = try await cloud.waitForMigration(of: id, status: "done")
            XCTAssertEqual(migration["migration_type"]?.stringValue, "evacuation")
            XCTAssertEqual(migration["source_compute"]?.stringValue, source)
            XCTAssertEqual(migration["dest_compute"]?.stringValue, destination)
            let migrationUUID = try XCTUnwrap(migration["uuid"]?.stringValue)
            try await XCTAssertEqualAsync(try await cloud.allocation(of: id, on: destination), Self.tiny)
            try await XCTAssertEqualAsync(
                try await cloud.allocation(of: migrationUUID, on: source), Self.tiny, "the down host's share stays held")
            try await XCTAssertEqualAsync(try await cloud.ports(deviceID: id).first?["binding:host_id"]?.stringValue, destination)
            try await XCTAssertEqualAsync(try await XCTUnwrap(cloud.drivers[destination]).info(id).state, .running)
            let events = try await cloud.events(of: id, action: "evacuate")
            XCTAssertEqual(events["conductor_rebuild_server"], "Success")
            XCTAssertEqual(events["compute_rebuild_instance"], "Success")

            // The old host's agent still runs: with its next heartbeat it destroys its copy and
            // releases the held allocation; only then may the service be forced up (Nova's rule).
            try await cloud.waitForMigration(of: id, status: "completed")
            try await XCTAssertTrueAsync(
                !(try await XCTUnwrap(cloud.drivers[source]).listGuests()).contains(id), "the old copy is destroyed")
            try await XCTAssertTrueAsync(try await cloud.allocations(consumer: migrationUUID).isEmpty)
            try await cloud.setForcedDown(source, false)
            try await XCTAssertEqualAsync(try await cloud.server(id)["status"]?.stringValue, "ACTIVE")
        }
    }

    func testFrom295TheServerStaysStoppedAndNoHostMeansError() async throws {
        try await ComputeLiveCloud.run(hosts: 2) { cloud in
            let kept = try await cloud.createServer("kept-stopped")
            try await cloud.waitFor(kept, status: "ACTIVE")
            let source = try await cloud.host(of: kept)
            let other = source == "compute1" ? "compute2" : "compute1"
            try await cloud.setForcedDown(source, true)
            let answer = try await cloud.action(kept, ["evacuate": ["host": .string(other)]], version: "2.95")
            XCTAssertEqual(answer.status, 200)
            XCTAssertNil(answer.json?["adminPass"], "no body from 2.14")
            let stopped = try await cloud.waitFor(kept, status: "SHUTOFF")
            XCTAssertEqual(stopped["OS-EXT-SRV-ATTR:host"]?.stringValue, other)
            try await XCTAssertEqualAsync(try await XCTUnwrap(cloud.drivers[other]).info(kept).state, .shutdown)

            // Back the other way with both hosts down: nowhere to go.
            try await cloud.waitForMigration(of: kept, status: "completed")
            try await cloud.setForcedDown(source, false)
            try await cloud.setForcedDown(other, true)
            try await cloud.setForcedDown(source, true)
            let stranded = try await cloud.action(kept, ["evacuate": [:]], version: "2.68")
            XCTAssertEqual(stranded.status, 200)
            let failed = try await cloud.waitFor(kept, status: "ERROR")
            XCTAssertEqual(failed["OS-EXT-SRV-ATTR:host"]?.stringValue, other, "still on the host it was on")
            XCTAssertEqual(failed["fault"]?["message"]?.stringValue?.hasPrefix("No valid host was found."), true)
            try await cloud.waitForMigration(of: kept, status: "error")
            try await XCTAssertEqualAsync(try await cloud.allocation(of: kept, on: other), Self.tiny, "its allocation is back")
            let forceGone = try await cloud.action(kept, ["evacuate": ["host": .string(source), "force": true]], version: "2.68")
            XCTAssertEqual(forceGone.status, 400, "force is refused from 2.68")
        }
    }
}
