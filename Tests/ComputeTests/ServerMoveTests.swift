import Foundation
import StratusKit
import StratusTestSupport
import XCTest

/// Resize, cold migration, shelve and unshelve through the HTTP API, checked against what
/// Placement allocates to the server.
final class ServerMoveTests: XCTestCase {
    private static let tiny: [String: Int64] = ["VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1]
    private static let small: [String: Int64] = ["VCPU": 1, "MEMORY_MB": 2048, "DISK_GB": 20]

    func testResizeConfirmAllocatesTheNewFlavorOnce() async throws {
        try await ComputeLiveCloud.run(hosts: 2) { cloud in
            let id = try await cloud.createServer("grow")
            try await cloud.waitFor(id, status: "ACTIVE")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["resize": ["flavorRef": "2"]]).status, 202)
            let verifying = try await cloud.waitFor(id, status: "VERIFY_RESIZE")
            XCTAssertEqual(verifying["flavor"]?["original_name"]?.stringValue, "m1.small")
            let during = try await cloud.allocations(consumer: id)
            XCTAssertEqual(Array(during.values), [Self.small], "the server holds the new flavor while resized")

            try await XCTAssertEqualAsync(try await cloud.action(id, ["confirmResize": .null]).status, 204)
            let confirmed = try await cloud.waitFor(id, status: "ACTIVE")
            XCTAssertEqual(confirmed["flavor"]?["original_name"]?.stringValue, "m1.small")
            let host = try XCTUnwrap(confirmed["OS-EXT-SRV-ATTR:host"]?.stringValue)
            let provider = try await XCTUnwrapAsync(try await cloud.providerUUID(host: host))
            let after = try await cloud.allocations(consumer: id)
            XCTAssertEqual(after, [provider: Self.small], "the new flavor, once, on the server's host")
            let usages = try await cloud.cloud.call(
                .GET, cloud.cloud.placementURL + "/usages?project_id=\(try XCTUnwrap(confirmed["tenant_id"]?.stringValue))",
                token: cloud.adminToken, headers: ["OpenStack-API-Version": "placement 1.9"])
            XCTAssertEqual(usages.json?["usages"]?["MEMORY_MB"]?.intValue, 2048, "no allocation left behind by the move")
            let noResize = try await cloud.action(id, ["confirmResize": .null])
            XCTAssertEqual(noResize.status, 409)
        }
    }

    func testResizeRevertRestoresTheOldFlavorAndAllocation() async throws {
        try await ComputeLiveCloud.run(hosts: 2) { cloud in
            let id = try await cloud.createServer("undo")
            let before = try await cloud.waitFor(id, status: "ACTIVE")
            let host = try XCTUnwrap(before["OS-EXT-SRV-ATTR:host"]?.stringValue)
            let provider = try await XCTUnwrapAsync(try await cloud.providerUUID(host: host))
            try await XCTAssertEqualAsync(try await cloud.action(id, ["resize": ["flavorRef": "2"]]).status, 202)
            try await cloud.waitFor(id, status: "VERIFY_RESIZE")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["revertResize": .null]).status, 202)
            let reverted = try await cloud.waitFor(id, status: "ACTIVE")
            XCTAssertEqual(reverted["flavor"]?["original_name"]?.stringValue, "m1.tiny")
            XCTAssertEqual(reverted["OS-EXT-SRV-ATTR:host"]?.stringValue, host, "back on the source")
            let after = try await cloud.allocations(consumer: id)
            XCTAssertEqual(after, [provider: Self.tiny])
            let sameFlavor = try await cloud.action(id, ["resize": ["flavorRef": "1"]])
            XCTAssertEqual(sameFlavor.status, 400, "resizing to the current flavor is refused")

            let huge = try await cloud.compute(
                .POST, "/flavors", json: ["flavor": ["name": "huge", "ram": 512, "vcpus": 21, "disk": 1, "id": "huge"]])
            XCTAssertEqual(huge.status, 200)
            let overQuota = try await cloud.action(id, ["resize": ["flavorRef": "huge"]])
            XCTAssertEqual(overQuota.status, 403)
            XCTAssertEqual(
                overQuota.json?["forbidden"]?["message"]?.stringValue,
                "Quota exceeded for cores: Requested 20, but already used 1 of 20 cores")
            try await XCTAssertEqualAsync(try await cloud.server(id)["status"]?.stringValue, "ACTIVE")
        }
    }

    func testColdMigrationMovesTheServerToAnotherHost() async throws {
        try await ComputeLiveCloud.run(hosts: 2) { cloud in
            let id = try await cloud.createServer("mover")
            let before = try await cloud.waitFor(id, status: "ACTIVE")
            let source = try XCTUnwrap(before["OS-EXT-SRV-ATTR:host"]?.stringValue)
            try await XCTAssertEqualAsync(try await cloud.action(id, ["migrate": .null]).status, 202)
            try await cloud.waitFor(id, status: "VERIFY_RESIZE")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["confirmResize": .null]).status, 204)
            let moved = try await cloud.waitFor(id, status: "ACTIVE")
            let destination = try XCTUnwrap(moved["OS-EXT-SRV-ATTR:host"]?.stringValue)
            XCTAssertNotEqual(destination, source)
            let provider = try await XCTUnwrapAsync(try await cloud.providerUUID(host: destination))
            try await XCTAssertEqualAsync(try await cloud.allocations(consumer: id), [provider: Self.tiny])
            let ports = try await cloud.ports(deviceID: id)
            XCTAssertEqual(ports.first?["binding:host_id"]?.stringValue, destination, "the port follows the server")

            let project = try await cloud.cloud.project("mover-project")
            let member = try await cloud.cloud.user("mover-member", projectID: project, role: "member")
            let own = try await cloud.createServer("own", token: member)
            try await cloud.waitFor(own, status: "ACTIVE")
            try await XCTAssertEqualAsync(try await cloud.action(own, ["migrate": .null], token: member).status, 403, "migrate is for admins")
        }
    }

    func testShelveOffloadsAndUnshelveBootsFromTheShelvedImage() async throws {
        try await ComputeLiveCloud.run(hosts: 2) { cloud in
            let id = try await cloud.createServer("sleeper")
            try await cloud.waitFor(id, status: "ACTIVE")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["shelve": .null]).status, 202)
            let shelved = try await cloud.waitFor(id, status: "SHELVED_OFFLOADED")
            XCTAssertTrue(shelved["OS-EXT-SRV-ATTR:host"]?.isNull ?? true, "offloaded: no host")
            try await XCTAssertTrueAsync(try await cloud.allocations(consumer: id).isEmpty, "offloaded: no allocation")
            let images = try await cloud.cloud.call(
                .GET, cloud.cloud.imageURL + "/v2/images?name=sleeper-shelved", token: cloud.adminToken)
            let image = try XCTUnwrap(images.json?["images"]?.arrayValue?.first)
            XCTAssertEqual(image["status"]?.stringValue, "active")
            XCTAssertEqual(image["instance_uuid"]?.stringValue, id)
            let conflict = try await cloud.action(id, ["os-start": .null])
            XCTAssertEqual(conflict.status, 409)
            XCTAssertEqual(
                conflict.json?["conflictingRequest"]?["message"]?.stringValue,
                "Cannot 'start' instance \(id) while it is in vm_state shelved_offloaded")

            try await XCTAssertEqualAsync(try await cloud.action(id, ["unshelve": .null]).status, 202)
            let back = try await cloud.waitFor(id, status: "ACTIVE")
            let host = try XCTUnwrap(back["OS-EXT-SRV-ATTR:host"]?.stringValue)
            let provider = try await XCTUnwrapAsync(try await cloud.providerUUID(host: host))
            try await XCTAssertEqualAsync(try await cloud.allocations(consumer: id), [provider: Self.tiny])
            try await XCTAssertEqualAsync(try await cloud.ports(deviceID: id).first?["binding:host_id"]?.stringValue, host)
            let imageID = try XCTUnwrap(image["id"]?.stringValue)
            try await XCTAssertTrueAsync(try await cloud.image(imageID) == nil, "unshelve deletes the shelved image, as Nova does")
        }
    }

    func testDeletingAnOffloadedServerCleansUpWithoutAHost() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let id = try await cloud.createServer("shelved-then-gone")
            try await cloud.waitFor(id, status: "ACTIVE")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["shelve": .null]).status, 202)
            try await cloud.waitFor(id, status: "SHELVED_OFFLOADED")
            try await XCTAssertEqualAsync(try await cloud.compute(.DELETE, "/servers/\(id)").status, 204)
            try await cloud.waitUntilDeleted(id)
            try await XCTAssertTrueAsync(try await cloud.ports(deviceID: id).isEmpty, "the port the create made is deleted")
            try await XCTAssertTrueAsync(try await cloud.allocations(consumer: id).isEmpty)
        }
    }
}
