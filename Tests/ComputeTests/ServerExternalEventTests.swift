import Foundation
import StratusKit
import StratusTestSupport
import XCTest

/// `os-server-external-events`, and what Networking sends through it: a floating IP given to
/// a server's port shows in the server's addresses, and goes when it is taken away.
final class ServerExternalEventTests: XCTestCase {
    func testAFloatingIPAssociationReachesTheServersAddresses() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let id = try await cloud.createServer("fip")
            try await cloud.waitFor(id, status: "ACTIVE")
            let port = try await cloud.ports(deviceID: id).first
            let portID = try XCTUnwrap(port?["id"]?.stringValue)
            let subnetID = try XCTUnwrap(port?["fixed_ips"]?.arrayValue?.first?["subnet_id"]?.stringValue)
            let network = cloud.cloud.networkURL + "/v2.0"
            let external = try await cloud.cloud.create(network + "/networks", "network", ["name": "ext", "router:external": true])
            let externalID = try XCTUnwrap(external["id"]?.stringValue)
            _ = try await cloud.cloud.create(
                network + "/subnets", "subnet", ["network_id": .string(externalID), "ip_version": 4, "cidr": "203.0.113.0/24"])
            let router = try await cloud.cloud.create(
                network + "/routers", "router", ["name": "r", "external_gateway_info": ["network_id": .string(externalID)]])
            let routerID = try XCTUnwrap(router["id"]?.stringValue)
            let added = try await cloud.cloud.call(
                .PUT, network + "/routers/\(routerID)/add_router_interface", token: cloud.adminToken, json: ["subnet_id": .string(subnetID)])
            XCTAssertEqual(added.status, 200)
            let floating = try await cloud.cloud.create(
                network + "/floatingips", "floatingip", ["floating_network_id": .string(externalID), "port_id": .string(portID)])
            let address = try XCTUnwrap(floating["floating_ip_address"]?.stringValue)

            func floatingAddresses() async throws -> [String] {
                let server = try await cloud.server(id)
                return server["addresses"]?.objectValue?.values.flatMap { $0.arrayValue ?? [] }
                    .filter { $0["OS-EXT-IPS:type"]?.stringValue == "floating" }.compactMap { $0["addr"]?.stringValue } ?? []
            }
            try await Self.eventually { try await floatingAddresses() == [address] }
            let floatingID = try XCTUnwrap(floating["id"]?.stringValue)
            let removed = try await cloud.cloud.call(
                .PUT, network + "/floatingips/\(floatingID)", token: cloud.adminToken, json: ["floatingip": ["port_id": nil]])
            XCTAssertEqual(removed.status, 200)
            try await Self.eventually { try await floatingAddresses().isEmpty }
        }
    }

    func testEventsAreAnsweredOneByOneAndOnlyServicesMaySendThem() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let id = try await cloud.createServer("events")
            try await cloud.waitFor(id, status: "ACTIVE")
            let unknown = "0b7c6b3e-1f2a-4c5d-8e9f-0a1b2c3d4e5f"
            let mixed = try await cloud.compute(
                .POST, "/os-server-external-events",
                json: [
                    "events": [
                        ["name": "network-changed", "server_uuid": .string(id), "tag": "port-1"],
                        ["name": "network-vif-plugged", "server_uuid": .string(unknown)],
                        ["name": "power-update", "server_uuid": .string(id)],
                    ],
                ])
            XCTAssertEqual(mixed.status, 207)
            let answers = try XCTUnwrap(mixed.json?["events"]?.arrayValue)
            XCTAssertEqual(answers.map { $0["code"]?.intValue }, [200, 404, 400])
            XCTAssertEqual(answers.map { $0["status"]?.stringValue }, ["completed", "failed", "failed"])
            XCTAssertEqual(answers.first?["tag"]?.stringValue, "port-1")

            let accepted = try await cloud.compute(
                .POST, "/os-server-external-events", json: ["events": [["name": "network-changed", "server_uuid": .string(id)]]])
            XCTAssertEqual(accepted.status, 200)
            let tooEarly = try await cloud.compute(
                .POST, "/os-server-external-events", version: "2.75",
                json: ["events": [["name": "power-update", "server_uuid": .string(id), "tag": "POWER_OFF"]]])
            XCTAssertEqual(tooEarly.status, 400, "power-update arrives in 2.76")
            let empty = try await cloud.compute(.POST, "/os-server-external-events", json: ["events": []])
            XCTAssertEqual(empty.status, 400)
            let badUUID = try await cloud.compute(
                .POST, "/os-server-external-events", json: ["events": [["name": "network-changed", "server_uuid": "nope"]]])
            XCTAssertEqual(badUUID.status, 400)

            let project = try await cloud.cloud.project("plain")
            let member = try await cloud.cloud.user("member-1", projectID: project, role: "member")
            let refused = try await cloud.compute(
                .POST, "/os-server-external-events", token: member,
                json: ["events": [["name": "network-changed", "server_uuid": .string(id)]]])
            XCTAssertEqual(refused.status, 403)
        }
    }

    /// Polls `condition` for up to 10 s.
    private static func eventually(_ condition: () async throws -> Bool, file: StaticString = #filePath, line: UInt = #line) async throws {
        for _ in 0..<100 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTFail("condition not met within 10 s", file: file, line: line)
    }
}
