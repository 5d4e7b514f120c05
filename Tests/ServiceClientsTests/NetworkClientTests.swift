import Foundation
import ServiceClients
import StratusKit
import StratusTestSupport
import XCTest

final class NetworkClientTests: XCTestCase {
    /// A network with one IPv4 subnet, made by the admin for `projectID`; returns the network's id.
    private static func network(
        _ cloud: LiveCloud, name: String, projectID: String, cidr: String, extra: [String: JSONValue] = [:]
    ) async throws -> String {
        var body: [String: JSONValue] = ["name": .string(name), "project_id": .string(projectID)]
        body.merge(extra) { _, new in new }
        let network = try await cloud.create(cloud.networkURL + "/v2.0/networks", "network", .object(body))
        let id = try XCTUnwrap(network["id"]?.stringValue)
        _ = try await cloud.create(
            cloud.networkURL + "/v2.0/subnets", "subnet",
            ["network_id": .string(id), "ip_version": 4, "cidr": .string(cidr), "project_id": .string(projectID)])
        return id
    }

    func testChoosingNetworksAndSecurityGroups() async throws {
        try await LiveCloud.run { cloud in
            let client = HTTPNetworkClient(session: cloud.session())
            let alpha = try await cloud.project("alpha")
            let beta = try await cloud.project("beta")
            let own = try await Self.network(cloud, name: "alpha-net", projectID: alpha, cidr: "192.0.2.0/24")
            let others = try await Self.network(cloud, name: "beta-net", projectID: beta, cidr: "192.0.2.0/24")
            let shared = try await Self.network(cloud, name: "shared-net", projectID: beta, cidr: "198.51.100.0/24", extra: ["shared": true])
            let external = try await Self.network(
                cloud, name: "ext", projectID: beta, cidr: "203.0.113.0/24",
                extra: ["router:external": true, "shared": true, "provider:network_type": "flat", "provider:physical_network": "public"])

            let shown = try await client.network(id: own)
            XCTAssertEqual(shown?.name, "alpha-net")
            XCTAssertEqual(shown?.projectID, alpha)
            XCTAssertEqual(shown?.status, "ACTIVE")
            XCTAssertEqual(shown?.subnetIDs.count, 1)
            XCTAssertEqual(shown?.shared, false)
            let missing = try await client.network(id: UUID().uuidString.lowercased())
            XCTAssertNil(missing)

            let listed = try await client.networks(ids: [own, external, UUID().uuidString.lowercased()])
            XCTAssertEqual(Set(listed.map(\.id)), [own, external])
            XCTAssertEqual(listed.first { $0.id == external }?.external, true)
            let none = try await client.networks(ids: [])
            XCTAssertTrue(none.isEmpty)

            let available = try await client.networksAvailable(toProject: alpha)
            XCTAssertEqual(Set(available.map(\.id)), [own, shared], "own and shared, not external, not another project's")
            XCTAssertFalse(available.contains { $0.id == others })

            let groups = try await client.securityGroupIDs(named: ["default"], projectID: alpha)
            XCTAssertEqual(groups.count, 1)
            let web = try await cloud.create(
                cloud.networkURL + "/v2.0/security-groups", "security_group", ["name": "web", "project_id": .string(alpha)])
            let webID = try XCTUnwrap(web["id"]?.stringValue)
            let both = try await client.securityGroupIDs(named: ["web", groups[0]], projectID: alpha)
            XCTAssertEqual(both, [webID, groups[0]], "names and ids, in the order asked")
            do {
                _ = try await client.securityGroupIDs(named: ["web", "nope"], projectID: alpha)
                XCTFail("an unknown group is refused")
            } catch let error as ServiceClientError {
                XCTAssertEqual(error.status, 400)
                XCTAssertTrue(error.message.contains("nope"), error.message)
            }
            do {
                _ = try await client.securityGroupIDs(named: ["web"], projectID: beta)
                XCTFail("another project's group is not found")
            } catch let error as ServiceClientError {
                XCTAssertEqual(error.status, 400)
            }
        }
    }

    func testPortCreateBindUnbindDelete() async throws {
        try await LiveCloud.run { cloud in
            let client = HTTPNetworkClient(session: cloud.session())
            let alpha = try await cloud.project("alpha")
            let network = try await Self.network(cloud, name: "alpha-net", projectID: alpha, cidr: "192.0.2.0/24")
            let server = UUID().uuidString.lowercased()

            let port = try await client.createPort(
                PortCreateRequest(
                    networkID: network, projectID: alpha, fixedIPs: [PortFixedIP(ipAddress: "192.0.2.50")],
                    deviceID: server, deviceOwner: "compute:nova", name: "eth0"))
            XCTAssertEqual(port.projectID, alpha)
            XCTAssertEqual(port.status, "DOWN")
            XCTAssertEqual(port.bindingVIFType, "unbound")
            XCTAssertEqual(port.fixedIPs.map(\.ipAddress), ["192.0.2.50"])
            XCTAssertEqual(port.securityGroupIDs.count, 1, "the project's default group")
            XCTAssertEqual(port.name, "eth0")
            XCTAssertFalse(port.macAddress.isEmpty)

            let bound = try await client.bindPort(id: port.id, hostID: "compute-1", deviceID: server, deviceOwner: "compute:nova")
            XCTAssertEqual(bound.status, "ACTIVE")
            XCTAssertEqual(bound.bindingVIFType, "bridge")
            XCTAssertEqual(bound.bindingHostID, "compute-1")

            let onServer = try await client.ports(deviceID: server)
            XCTAssertEqual(onServer.map(\.id), [port.id])

            let boundAtCreation = try await client.createPort(
                PortCreateRequest(networkID: network, projectID: alpha, deviceID: server, deviceOwner: "compute:nova", hostID: "compute-1"))
            XCTAssertEqual(boundAtCreation.status, "ACTIVE")
            XCTAssertEqual(boundAtCreation.fixedIPs.first?.ipAddress, "192.0.2.2")

            try await client.unbindPort(id: port.id)
            let unbound = try await client.port(id: port.id)
            XCTAssertEqual(unbound?.status, "DOWN")
            XCTAssertEqual(unbound?.bindingVIFType, "unbound")
            XCTAssertEqual(unbound?.bindingHostID, "")
            XCTAssertEqual(unbound?.deviceID, "")
            XCTAssertEqual(unbound?.deviceOwner, "")
            let remaining = try await client.ports(deviceID: server)
            XCTAssertEqual(remaining.map(\.id), [boundAtCreation.id])

            try await client.deletePort(id: port.id)
            try await client.deletePort(id: port.id)
            try await client.unbindPort(id: port.id)
            let deleted = try await client.port(id: port.id)
            XCTAssertNil(deleted)

            do {
                _ = try await client.createPort(PortCreateRequest(networkID: "no-such-network", projectID: alpha))
                XCTFail("a port on an unknown network is refused")
            } catch let error as ServiceClientError {
                XCTAssertEqual(error.service, "network")
                XCTAssertEqual(error.status, 404)
                XCTAssertEqual(error.message, "Network no-such-network could not be found.")
            }
            do {
                _ = try await client.createPort(
                    PortCreateRequest(networkID: network, projectID: alpha, fixedIPs: [PortFixedIP(ipAddress: "192.0.2.2")]))
                XCTFail("a taken address is refused")
            } catch let error as ServiceClientError {
                XCTAssertEqual(error.status, 409)
                XCTAssertTrue(error.message.contains("192.0.2.2"), error.message)
            }
        }
    }
}
