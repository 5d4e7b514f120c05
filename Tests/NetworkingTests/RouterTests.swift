import Foundation
import StratusKit
import StratusTestSupport
import XCTest

@testable import Networking

final class RouterTests: XCTestCase {
    /// An external network as the bootstrap makes it, and a project network with a subnet.
    private static func setUp(_ cloud: NetworkClient, project: TestProject) async throws -> (external: String, subnet: String, network: String) {
        let admin = try await cloud.identity.adminToken()
        let external = try await cloud.create(
            "/v2.0/networks", "network",
            ["name": "public", "router:external": true, "provider:network_type": "flat", "provider:physical_network": "public"],
            token: admin)
        _ = try await cloud.create(
            "/v2.0/subnets", "subnet", ["network_id": external["id"]!, "ip_version": 4, "cidr": "203.0.113.0/24", "enable_dhcp": false],
            token: admin)
        let network = try await cloud.create("/v2.0/networks", "network", [:], token: project.token)
        let subnet = try await cloud.create(
            "/v2.0/subnets", "subnet", ["network_id": network["id"]!, "ip_version": 4, "cidr": "10.30.0.0/24"], token: project.token)
        return (external["id"]!.stringValue!, subnet["id"]!.stringValue!, network["id"]!.stringValue!)
    }

    func testGatewayInterfacesAndFloatingIPs() async throws {
        try await NetworkTestCloud.run { cloud in
            let alpha = try await cloud.identity.project("alpha")
            let (external, subnet, network) = try await Self.setUp(cloud, project: alpha)
            let router = try await cloud.create(
                "/v2.0/routers", "router", ["name": "r", "external_gateway_info": ["network_id": .string(external)]], token: alpha.token)
            let routerID = try XCTUnwrap(router["id"]?.stringValue)
            let gatewayAddress = router["external_gateway_info"]?["external_fixed_ips"]?.arrayValue?.first?["ip_address"]?.stringValue
            XCTAssertEqual(gatewayAddress?.hasPrefix("203.0.113."), true)
            XCTAssertEqual(router["external_gateway_info"]?["enable_snat"], true)
            XCTAssertNil(router["distributed"], "members do not see distributed/ha")

            let port = try await cloud.create("/v2.0/ports", "port", ["network_id": .string(network)], token: alpha.token)
            let portID = try XCTUnwrap(port["id"]?.stringValue)
            let early = try await cloud.call(
                .post, "/v2.0/floatingips", token: alpha.token,
                json: ["floatingip": ["floating_network_id": .string(external), "port_id": .string(portID)]])
            XCTAssertEqual(early.status, .notFound)
            XCTAssertEqual(early.type, "ExternalGatewayForFloatingIPNotFound")

            let added = try await cloud.call(.put, "/v2.0/routers/\(routerID)/add_router_interface", token: alpha.token, json: ["subnet_id": .string(subnet)])
            XCTAssertEqual(added.status, .ok)
            XCTAssertEqual(added.json?["subnet_id"]?.stringValue, subnet)
            let interfaceID = try XCTUnwrap(added.json?["port_id"]?.stringValue)
            let interface = try await cloud.call(.get, "/v2.0/ports/\(interfaceID)", token: alpha.token)
            XCTAssertEqual(interface.json?["port"]?["fixed_ips"]?.arrayValue?.first?["ip_address"], "10.30.0.1")
            XCTAssertEqual(interface.json?["port"]?["device_owner"], "network:router_interface")
            let twice = try await cloud.call(.put, "/v2.0/routers/\(routerID)/add_router_interface", token: alpha.token, json: ["subnet_id": .string(subnet)])
            XCTAssertEqual(twice.status, .badRequest)

            let floating = try await cloud.create(
                "/v2.0/floatingips", "floatingip", ["floating_network_id": .string(external), "port_id": .string(portID)],
                token: alpha.token)
            XCTAssertEqual(floating["router_id"]?.stringValue, routerID)
            XCTAssertEqual(floating["fixed_ip_address"], port["fixed_ips"]?.arrayValue?.first?["ip_address"])
            let second = try await cloud.call(
                .post, "/v2.0/floatingips", token: alpha.token,
                json: ["floatingip": ["floating_network_id": .string(external), "port_id": .string(portID)]])
            XCTAssertEqual(second.status, .conflict)
            XCTAssertEqual(second.type, "FloatingIPPortAlreadyAssociated")
            let chosen = try await cloud.call(
                .post, "/v2.0/floatingips", token: alpha.token,
                json: ["floatingip": ["floating_network_id": .string(external), "floating_ip_address": "203.0.113.77"]])
            XCTAssertEqual(chosen.status, .forbidden, "choosing the address is for admins")

            let inUse = try await cloud.call(.delete, "/v2.0/routers/\(routerID)", token: alpha.token)
            XCTAssertEqual(inUse.type, "RouterInUse")
            let needed = try await cloud.call(.put, "/v2.0/routers/\(routerID)/remove_router_interface", token: alpha.token, json: ["subnet_id": .string(subnet)])
            XCTAssertEqual(needed.type, "RouterInterfaceInUseByFloatingIP")
            let floatingID = try XCTUnwrap(floating["id"]?.stringValue)
            let released = try await cloud.call(.put, "/v2.0/floatingips/\(floatingID)", token: alpha.token, json: ["floatingip": ["port_id": .null]])
            XCTAssertEqual(released.json?["floatingip"]?["port_id"], .null)
            let removed = try await cloud.call(.put, "/v2.0/routers/\(routerID)/remove_router_interface", token: alpha.token, json: ["subnet_id": .string(subnet)])
            XCTAssertEqual(removed.status, .ok)
            let floatingDeleted = try await cloud.call(.delete, "/v2.0/floatingips/\(floatingID)", token: alpha.token)
            XCTAssertEqual(floatingDeleted.status, .noContent)
            let routerDeleted = try await cloud.call(.delete, "/v2.0/routers/\(routerID)", token: alpha.token)
            XCTAssertEqual(routerDeleted.status, .noContent)
            // Every service port went with its owner.
            let admin = try await cloud.identity.adminToken()
            let left = try await cloud.call(.get, "/v2.0/ports?network_id=\(external)", token: admin)
            XCTAssertEqual(left.json?["ports"]?.arrayValue?.count, 0)
        }
    }

    func testGatewayNeedsAnExternalNetwork() async throws {
        try await NetworkTestCloud.run { cloud in
            let alpha = try await cloud.identity.project("alpha")
            let (_, _, network) = try await Self.setUp(cloud, project: alpha)
            let refused = try await cloud.call(
                .post, "/v2.0/routers", token: alpha.token, json: ["router": ["external_gateway_info": ["network_id": .string(network)]]])
            XCTAssertEqual(refused.status, .badRequest)
        }
    }
}
