import Foundation
import StratusKit
import StratusTestSupport
import XCTest

/// Builds that fail on a host: rescheduled to an alternate, or ERROR with a fault once every
/// host failed; either way nothing is left behind in Network or Placement.
final class ServerBuildFailureTests: XCTestCase {
    func testAFailedSpawnIsRescheduledOnAnAlternate() async throws {
        // Every host fails its first spawn: the server still becomes ACTIVE on its second try.
        try await ComputeLiveCloud.run(hosts: 3, faults: "spawn=fail*1") { cloud in
            let id = try await cloud.createServer("survivor")
            let server = try await cloud.waitFor(id, status: "ACTIVE")
            let host = try XCTUnwrap(server["OS-EXT-SRV-ATTR:host"]?.stringValue)
            let provider = try await XCTUnwrapAsync(try await cloud.providerUUID(host: host))
            try await XCTAssertEqualAsync(Array(try await cloud.allocations(consumer: id).keys), [provider], "one allocation, on the final host")
            let ports = try await cloud.ports(deviceID: id)
            XCTAssertEqual(ports.count, 1, "the failed host's port is gone")
            XCTAssertEqual(ports.first?["binding:host_id"]?.stringValue, host)
            XCTAssertNil(server["fault"])
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

            try await XCTAssertEqualAsync(try await cloud.compute(.DELETE, "/servers/\(id)").status, 204)
            try await cloud.waitUntilDeleted(id)
        }
    }
}
