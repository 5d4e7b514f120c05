import Foundation
import StratusKit
import StratusTestSupport
import XCTest

@testable import Networking

final class PortBindingTests: XCTestCase {
    private static func network(_ cloud: NetworkClient, token: String) async throws -> String {
        let network = try await cloud.create("/v2.0/networks", "network", ["name": "bind-net"], token: token)
        _ = try await cloud.create(
            "/v2.0/subnets", "subnet", ["network_id": network["id"]!, "ip_version": 4, "cidr": "192.0.2.0/24"], token: token)
        return try XCTUnwrap(network["id"]?.stringValue)
    }

    func testSettingTheHostBindsThePortAndClearingItUnbinds() async throws {
        try await NetworkTestCloud.run { cloud in
            let admin = try await cloud.identity.adminToken()
            let network = try await Self.network(cloud, token: admin)

            let unbound = try await cloud.create("/v2.0/ports", "port", ["network_id": .string(network)], token: admin)
            XCTAssertEqual(unbound["status"], "DOWN")
            XCTAssertEqual(unbound["binding:vif_type"], "unbound")
            XCTAssertEqual(unbound["binding:vif_details"], .object([:]))

            let bound = try await cloud.create(
                "/v2.0/ports", "port",
                ["network_id": .string(network), "binding:host_id": "compute-1", "device_id": "server-1", "device_owner": "compute:nova"],
                token: admin)
            XCTAssertEqual(bound["status"], "ACTIVE")
            XCTAssertEqual(bound["binding:vif_type"], "bridge")
            XCTAssertEqual(bound["binding:host_id"], "compute-1")
            XCTAssertEqual(bound["binding:vif_details"]?["connectivity"], "l2")
            let id = try XCTUnwrap(bound["id"]?.stringValue)

            let cleared = try await cloud.call(.put, "/v2.0/ports/\(id)", token: admin, json: ["port": ["binding:host_id": ""]])
            XCTAssertEqual(cleared.status, .ok)
            XCTAssertEqual(cleared.json?["port"]?["status"], "DOWN")
            XCTAssertEqual(cleared.json?["port"]?["binding:vif_type"], "unbound")
            XCTAssertEqual(cleared.json?["port"]?["binding:host_id"], "")

            let unboundID = try XCTUnwrap(unbound["id"]?.stringValue)
            let rebound = try await cloud.call(
                .put, "/v2.0/ports/\(unboundID)", token: admin, json: ["port": ["binding:host_id": "compute-2"]])
            XCTAssertEqual(rebound.json?["port"]?["status"], "ACTIVE")
            XCTAssertEqual(rebound.json?["port"]?["binding:vif_type"], "bridge")

            let shown = try await cloud.call(.get, "/v2.0/ports/\(unboundID)", token: admin)
            XCTAssertEqual(shown.json?["port"]?["status"], "ACTIVE", "the binding is stored, not only rendered")
        }
    }

    func testAnAdministrativelyDownPortIsBoundButDown() async throws {
        try await NetworkTestCloud.run { cloud in
            let admin = try await cloud.identity.adminToken()
            let network = try await Self.network(cloud, token: admin)
            let port = try await cloud.create(
                "/v2.0/ports", "port", ["network_id": .string(network), "binding:host_id": "compute-1", "admin_state_up": false],
                token: admin)
            XCTAssertEqual(port["binding:vif_type"], "bridge")
            XCTAssertEqual(port["status"], "DOWN")
            let id = try XCTUnwrap(port["id"]?.stringValue)
            let up = try await cloud.call(.put, "/v2.0/ports/\(id)", token: admin, json: ["port": ["admin_state_up": true]])
            XCTAssertEqual(up.json?["port"]?["status"], "ACTIVE")
            let down = try await cloud.call(.put, "/v2.0/ports/\(id)", token: admin, json: ["port": ["admin_state_up": false]])
            XCTAssertEqual(down.json?["port"]?["status"], "DOWN")
        }
    }

    func testMembersCannotBindPorts() async throws {
        try await NetworkTestCloud.run { cloud in
            let alpha = try await cloud.identity.project("alpha")
            let network = try await Self.network(cloud, token: alpha.token)
            let refused = try await cloud.call(
                .post, "/v2.0/ports", token: alpha.token,
                json: ["port": ["network_id": .string(network), "binding:host_id": "compute-1"]])
            XCTAssertEqual(refused.status, .forbidden)
        }
    }
}
