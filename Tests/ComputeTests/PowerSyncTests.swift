import Foundation
import StratusKit
import StratusTestSupport
import XCTest

@testable import Compute

/// The periodic power-state sync: a guest that stops behind the cloud's back stops its
/// server, as Nova's `_sync_power_states` does.
final class PowerSyncTests: XCTestCase {
    func testAGuestThatStoppedOnItsOwnStopsItsServer() async throws {
        try await ComputeLiveCloud.run(hosts: 1, config: ["compute.sync_power_state_interval": "1"]) { cloud in
            let id = try await cloud.createServer("quitter")
            try await cloud.waitFor(id, status: "ACTIVE")
            let host = try await cloud.host(of: id)
            let driver = try XCTUnwrap(cloud.drivers[host])
            try await driver.stopFromInside(id)
            let stopped = try await cloud.waitFor(id, status: "SHUTOFF", timeout: .seconds(10))
            XCTAssertEqual(stopped["OS-EXT-STS:vm_state"]?.stringValue, "stopped")
            XCTAssertEqual(stopped["OS-EXT-STS:power_state"]?.intValue, 4)
            let events = try await cloud.events(of: id, action: "stop")
            XCTAssertEqual(events["compute_stop_instance"], "Success")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["os-start": .null]).status, 202)
            try await cloud.waitFor(id, status: "ACTIVE")

            let crasher = try await cloud.createServer("crasher")
            try await cloud.waitFor(crasher, status: "ACTIVE")
            try await XCTAssertEqualAsync(try await cloud.action(crasher, ["pause": .null]).status, 202)
            try await cloud.waitFor(crasher, status: "PAUSED")
            try await driver.stopFromInside(crasher, crashed: true)
            try await cloud.waitFor(crasher, status: "SHUTOFF", timeout: .seconds(10))
            try await XCTAssertEqualAsync(try await cloud.server(id)["status"]?.stringValue, "ACTIVE", "the other server is left alone")
        }
    }

    func testWithoutTheSyncNothingChanges() async throws {
        try await ComputeLiveCloud.run(hosts: 1, config: ["compute.sync_power_state_interval": "-1"]) { cloud in
            let id = try await cloud.createServer("unnoticed")
            try await cloud.waitFor(id, status: "ACTIVE")
            let host = try await cloud.host(of: id)
            try await XCTUnwrap(cloud.drivers[host]).stopFromInside(id)
            try await Task.sleep(for: .seconds(2))
            let server = try await cloud.server(id)
            XCTAssertEqual(server["status"]?.stringValue, "ACTIVE", "a negative interval turns the sync off")
            XCTAssertEqual(server["OS-EXT-STS:power_state"]?.intValue, 1)
        }
    }

    func testNovasRuleForEachVMState() {
        XCTAssertTrue(ComputeAgent.mustStop(vmState: "active", observed: .shutdown))
        XCTAssertTrue(ComputeAgent.mustStop(vmState: "active", observed: .crashed))
        XCTAssertFalse(ComputeAgent.mustStop(vmState: "active", observed: .paused), "Nova ignores an unexpected pause")
        XCTAssertFalse(ComputeAgent.mustStop(vmState: "active", observed: .noState), "a missing guest is ignored")
        XCTAssertTrue(ComputeAgent.mustStop(vmState: "stopped", observed: .running))
        XCTAssertFalse(ComputeAgent.mustStop(vmState: "stopped", observed: .shutdown))
        XCTAssertTrue(ComputeAgent.mustStop(vmState: "paused", observed: .shutdown))
        XCTAssertFalse(ComputeAgent.mustStop(vmState: "error", observed: .shutdown))
    }
}
