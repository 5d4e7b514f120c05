import Foundation
import StratusKit
import StratusTestSupport
import XCTest

/// Builds that fail on a host: rescheduled to an alternate, or ERROR with a fault once every
/// host failed; either way nothing is left behind in Network or Placement.
final class ServerBuildFailureTests: XCTestCase {
    func testAFailedSpawnIsRescheduledOnAnAlternate() async throws {
        // compute1 and compute2 fail every spawn; every server still becomes ACTIVE on compute3,
        // having been handed on from whichever failing host was tried first.
        try await ComputeLiveCloud.run(hosts: 3, hostFaults: ["compute1": "spawn=fail", "compute2": "spawn=fail"]) { cloud in
            let healthy = try await XCTUnwrapAsync(try await cloud.providerUUID(host: "compute3"))
            var ids: [String] = []
            for index in 1...3 { ids.append(try await cloud.createServer("survivor-\(index)")) }
            for id in ids {
                let server = try await cloud.waitFor(id, status: "ACTIVE")
                XCTAssertEqual(server["OS-EXT-SRV-ATTR:host"]?.stringValue, "compute3")
                XCTAssertNil(server["fault"])
                try await XCTAssertEqualAsync(try await cloud.allocations(consumer: id), [healthy: ["VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1]])
                let ports = try await cloud.ports(deviceID: id)
                XCTAssertEqual(ports.count, 1, "the failed hosts' ports are gone")
                XCTAssertEqual(ports.first?["binding:host_id"]?.stringValue, "compute3")
            }
        }
    }

    func testOneFailurePerHostExhaustsTheThreeAttempts() async throws {
        // Every host fails its first spawn: the server is tried on its host and both alternates.
        try await ComputeLiveCloud.run(hosts: 3, faults: "spawn=fail*1") { cloud in
            let id = try await cloud.createServer("unlucky")
            let server = try await cloud.waitFor(id, status: "ERROR")
            let message = try XCTUnwrap(server["fault"]?["message"]?.stringValue)
            XCTAssertTrue(message.hasPrefix("Exceeded maximum number of retries. Exhausted all hosts available"), message)
            XCTAssertTrue(message.contains("Injected fault: spawn failed on purpose"), message)
            try await XCTAssertTrueAsync(try await cloud.allocations(consumer: id).isEmpty)
            try await XCTAssertTrueAsync(try await cloud.ports(deviceID: id).isEmpty)
            let second = try await cloud.createServer("lucky")
            try await cloud.waitFor(second, status: "ACTIVE")
        }
    }

    func testEveryHostFailingEndsInErrorWithNothingLeaked() async throws {
        try await ComputeLiveCloud.run(hosts: 2, faults: "spawn=fail") { cloud in
            let id = try await cloud.createServer("doomed")
            let server = try await cloud.waitFor(id, status: "ERROR")
            let fault = try XCTUnwrap(server["fault"])
            let message = try XCTUnwrap(fault["message"]?.stringValue)
            XCTAssertTrue(message.hasPrefix("Exceeded maximum number of retries"), message)
            XCTAssertEqual(fault["code"]?.intValue, 500)
            XCTAssertNotNil(fault["details"], "the admin sees the details")
            try await XCTAssertTrueAsync(try await cloud.ports(deviceID: id).isEmpty, "no port leaked")
            try await XCTAssertTrueAsync(try await cloud.allocations(consumer: id).isEmpty, "no allocation leaked")

            let project = try await cloud.cloud.project("failing")
            let member = try await cloud.cloud.user("failing-member", projectID: project, role: "member")
            let own = try await cloud.createServer("doomed-too", token: member)
            try await cloud.waitFor(own, status: "ERROR")
            let seen = try await XCTUnwrapAsync(try await cloud.compute(.GET, "/servers/\(own)", token: member).json?["server"])
            XCTAssertEqual(seen["fault"]?["message"]?.stringValue?.hasPrefix("Exceeded maximum number of retries"), true)
            XCTAssertNil(seen["fault"]?["details"], "a fault's details (code 500) are for admins")
            try await XCTAssertEqualAsync(try await cloud.compute(.DELETE, "/servers/\(id)").status, 204)
            try await cloud.waitUntilDeleted(id)
        }
    }
}
