import Foundation
import StratusKit
import StratusTestSupport
import XCTest

@testable import Networking

final class NetworkBootstrapTests: XCTestCase {
    func testBootstrapMakesThePublicAndPrivateNetworksOnce() async throws {
        try await NetworkTestCloud.run { cloud in
            let owner = try await cloud.identity.project("ops")
            try await cloud.service.bootstrap(adminProjectID: owner.id)
            try await cloud.service.bootstrap(adminProjectID: owner.id)
            let admin = try await cloud.identity.adminToken()
            let networkList = try await cloud.call(.get, "/v2.0/networks", token: admin)
            let networks = try XCTUnwrap(networkList.json?["networks"]?.arrayValue)
            XCTAssertEqual(networks.compactMap { $0["name"]?.stringValue }.sorted(), ["private", "public"])

            let privateNet = try XCTUnwrap(networks.first { $0["name"] == "private" })
            XCTAssertEqual(privateNet["shared"], false)
            XCTAssertEqual(privateNet["router:external"], false)
            XCTAssertEqual(privateNet["project_id"]?.stringValue, owner.id)
            XCTAssertEqual(privateNet["provider:network_type"], "vxlan")
            let publicNet = try XCTUnwrap(networks.first { $0["name"] == "public" })
            XCTAssertEqual(publicNet["router:external"], true)

            let subnetList = try await cloud.call(.get, "/v2.0/subnets", token: admin)
            let subnets = try XCTUnwrap(subnetList.json?["subnets"]?.arrayValue)
            XCTAssertEqual(subnets.count, 2)
            let privateSubnet = try XCTUnwrap(subnets.first { $0["name"] == "private-subnet" })
            XCTAssertEqual(privateSubnet["network_id"], privateNet["id"])
            XCTAssertEqual(privateSubnet["cidr"], "198.51.100.0/24")
            XCTAssertEqual(privateSubnet["gateway_ip"], "198.51.100.1")
            XCTAssertEqual(privateSubnet["enable_dhcp"], true)
            XCTAssertEqual(
                privateSubnet["allocation_pools"], [["start": "198.51.100.2", "end": "198.51.100.254"]])

            // router1 joins them once, as DevStack's does: gateway on public, interface at .1.
            let routerList = try await cloud.call(.get, "/v2.0/routers", token: admin)
            let routers = try XCTUnwrap(routerList.json?["routers"]?.arrayValue)
            XCTAssertEqual(routers.map { $0["name"] }, ["router1"])
            let router = try XCTUnwrap(routers.first)
            XCTAssertEqual(router["external_gateway_info"]?["network_id"], publicNet["id"])
            XCTAssertEqual(router["external_gateway_info"]?["enable_snat"], true)
            let routerID = try XCTUnwrap(router["id"]?.stringValue)
            let interfaces = try await cloud.call(
                .get, "/v2.0/ports?device_id=\(routerID)&device_owner=network:router_interface", token: admin)
            XCTAssertEqual(
                interfaces.json?["ports"]?.arrayValue?.map { $0["fixed_ips"]?.arrayValue?.first?["ip_address"] },
                ["198.51.100.1"])
            // A floating IP for a port on private can be had through it.
            let floating = try await cloud.call(
                .post, "/v2.0/floatingips", token: admin,
                json: ["floatingip": ["floating_network_id": publicNet["id"]!]])
            XCTAssertEqual(floating.status, .created)

            // The owner's members see and use it, as `openstack server create --network private` needs.
            let visible = try await cloud.call(.get, "/v2.0/networks?name=private", token: owner.token)
            XCTAssertEqual(visible.json?["networks"]?.arrayValue?.count, 1)
            let port = try await cloud.create("/v2.0/ports", "port", ["network_id": privateNet["id"]!], token: owner.token)
            XCTAssertEqual(port["fixed_ips"]?.arrayValue?.first?["ip_address"], "198.51.100.2")
        }
    }

    func testAnAdminListFilteredByProjectMakesThatProjectsDefaultGroup() async throws {
        try await NetworkTestCloud.run { cloud in
            let alpha = try await cloud.identity.project("alpha")
            let admin = try await cloud.identity.adminToken()
            let listed = try await cloud.call(.get, "/v2.0/security-groups?project_id=\(alpha.id)", token: admin)
            let groups = try XCTUnwrap(listed.json?["security_groups"]?.arrayValue)
            XCTAssertEqual(groups.map { $0["name"] }, ["default"])
            XCTAssertEqual(groups.first?["project_id"]?.stringValue, alpha.id)
        }
    }
}
