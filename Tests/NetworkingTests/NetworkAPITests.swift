import Foundation
import StratusKit
import StratusTestSupport
import XCTest

@testable import Networking

final class NetworkAPITests: XCTestCase {
    func testNetworksGetTenantSegmentsAndAdminsSeeProviderAttributes() async throws {
        try await NetworkTestCloud.run { cloud in
            let alpha = try await cloud.identity.project("alpha")
            let admin = try await cloud.identity.adminToken()
            let created = try await cloud.create("/v2.0/networks", "network", ["name": "net1"], token: alpha.token)
            XCTAssertEqual(created["status"], "ACTIVE")
            XCTAssertEqual(created["mtu"], .int(1450))
            XCTAssertEqual(created["shared"], false)
            XCTAssertEqual(created["project_id"]?.stringValue, alpha.id)
            XCTAssertEqual(created["revision_number"], .int(1))
            XCTAssertNil(created["provider:network_type"], "members do not see provider attributes")
            let id = try XCTUnwrap(created["id"]?.stringValue)
            let shown = try await cloud.call(.get, "/v2.0/networks/\(id)", token: admin)
            XCTAssertEqual(shown.json?["network"]?["provider:network_type"], "vxlan")
            XCTAssertEqual(shown.json?["network"]?["provider:segmentation_id"], .int(1))
            let second = try await cloud.create("/v2.0/networks", "network", ["name": "net2"], token: admin)
            let secondShown = try await cloud.call(.get, "/v2.0/networks/\(try XCTUnwrap(second["id"]?.stringValue))", token: admin)
            XCTAssertEqual(secondShown.json?["network"]?["provider:segmentation_id"], .int(2))
        }
    }

    func testProviderNetworksAreForAdminsAndSegmentsAreUnique() async throws {
        try await NetworkTestCloud.run { cloud in
            let alpha = try await cloud.identity.project("alpha")
            let admin = try await cloud.identity.adminToken()
            let vlan: JSONValue = [
                "name": "vlan101", "provider:network_type": "vlan", "provider:physical_network": "physnet1",
                "provider:segmentation_id": 101,
            ]
            let refused = try await cloud.call(.post, "/v2.0/networks", token: alpha.token, json: ["network": vlan])
            XCTAssertEqual(refused.status, .forbidden)
            XCTAssertEqual(refused.type, "PolicyNotAuthorized")
            let created = try await cloud.create("/v2.0/networks", "network", vlan, token: admin)
            XCTAssertEqual(created["provider:segmentation_id"], .int(101))
            XCTAssertEqual(created["mtu"], .int(1500))
            let again = try await cloud.call(.post, "/v2.0/networks", token: admin, json: ["network": vlan])
            XCTAssertEqual(again.status, .conflict)
            XCTAssertEqual(again.type, "VlanIdInUse")
            let flat: JSONValue = ["provider:network_type": "flat", "provider:physical_network": "public"]
            _ = try await cloud.create("/v2.0/networks", "network", flat, token: admin)
            let flatAgain = try await cloud.call(.post, "/v2.0/networks", token: admin, json: ["network": flat])
            XCTAssertEqual(flatAgain.type, "FlatNetworkInUse")
            let badType = try await cloud.call(
                .post, "/v2.0/networks", token: admin, json: ["network": ["provider:network_type": "bogus"]])
            XCTAssertEqual(badType.status, .badRequest)
            let unknown = try await cloud.call(.post, "/v2.0/networks", token: alpha.token, json: ["network": ["colour": "red"]])
            XCTAssertEqual(unknown.status, .badRequest)
            XCTAssertEqual(unknown.json?["NeutronError"]?["message"], "Unrecognized attribute(s) 'colour'")
        }
    }

    func testTenantSegmentsRunOutWithNoNetworkAvailable() async throws {
        try await NetworkTestCloud.run(config: ["network.vni_ranges": "5:6"]) { cloud in
            let alpha = try await cloud.identity.project("alpha")
            for _ in 0..<2 { _ = try await cloud.create("/v2.0/networks", "network", [:], token: alpha.token) }
            let third = try await cloud.call(.post, "/v2.0/networks", token: alpha.token, json: ["network": [:]])
            XCTAssertEqual(third.status, .serviceUnavailable)
            XCTAssertEqual(third.type, "NoNetworkAvailable")
        }
    }

    func testSubnetValidationAndDefaults() async throws {
        try await NetworkTestCloud.run { cloud in
            let alpha = try await cloud.identity.project("alpha")
            let network = try await cloud.create("/v2.0/networks", "network", ["name": "n"], token: alpha.token)
            let networkID = try XCTUnwrap(network["id"]?.stringValue)
            let subnet = try await cloud.create(
                "/v2.0/subnets", "subnet",
                ["network_id": .string(networkID), "ip_version": 4, "cidr": "10.0.0.0/24", "dns_nameservers": ["192.0.2.53"]],
                token: alpha.token)
            XCTAssertEqual(subnet["gateway_ip"], "10.0.0.1")
            XCTAssertEqual(subnet["allocation_pools"], [["start": "10.0.0.2", "end": "10.0.0.254"]])
            XCTAssertEqual(subnet["enable_dhcp"], true)
            func refused(_ body: JSONValue) async throws -> NetworkResponse {
                try await cloud.call(.post, "/v2.0/subnets", token: alpha.token, json: ["subnet": body])
            }
            let overlap = try await refused(["network_id": .string(networkID), "ip_version": 4, "cidr": "10.0.0.128/25"])
            XCTAssertEqual(overlap.status, .badRequest)
            XCTAssertEqual(overlap.type, "InvalidInput")
            let outside = try await refused(
                ["network_id": .string(networkID), "ip_version": 4, "cidr": "10.1.0.0/24", "gateway_ip": "10.2.0.1"])
            XCTAssertEqual(outside.status, .badRequest)
            let poolOut = try await refused([
                "network_id": .string(networkID), "ip_version": 4, "cidr": "10.3.0.0/24",
                "allocation_pools": [["start": "10.3.0.10", "end": "10.4.0.10"]],
            ])
            XCTAssertEqual(poolOut.status, .badRequest)
            let poolGateway = try await refused([
                "network_id": .string(networkID), "ip_version": 4, "cidr": "10.5.0.0/24",
                "allocation_pools": [["start": "10.5.0.1", "end": "10.5.0.10"]],
            ])
            XCTAssertEqual(poolGateway.status, .conflict)
            XCTAssertEqual(poolGateway.type, "GatewayConflictWithAllocationPools")
            let wrongVersion = try await refused(["network_id": .string(networkID), "ip_version": 6, "cidr": "10.6.0.0/24"])
            XCTAssertEqual(wrongVersion.status, .badRequest)
            let v6 = try await cloud.create(
                "/v2.0/subnets", "subnet",
                ["network_id": .string(networkID), "ip_version": 6, "cidr": "2001:db8::/64", "ipv6_ra_mode": "slaac", "ipv6_address_mode": "slaac"],
                token: alpha.token)
            XCTAssertEqual(v6["gateway_ip"], "2001:db8::1")
            // Another project may use the same range on its own network.
            let beta = try await cloud.identity.project("beta")
            let betaNet = try await cloud.create("/v2.0/networks", "network", [:], token: beta.token)
            _ = try await cloud.create(
                "/v2.0/subnets", "subnet", ["network_id": betaNet["id"]!, "ip_version": 4, "cidr": "10.0.0.0/24"], token: beta.token)
            let shown = try await cloud.call(.get, "/v2.0/networks/\(networkID)", token: alpha.token)
            XCTAssertEqual(shown.json?["network"]?["subnets"]?.arrayValue?.count, 2)
        }
    }

    func testPortsGetDistinctAddressesUntilTheSubnetIsFull() async throws {
        try await NetworkTestCloud.run { cloud in
            let alpha = try await cloud.identity.project("alpha")
            let network = try await cloud.create("/v2.0/networks", "network", [:], token: alpha.token)
            let networkID = try XCTUnwrap(network["id"]?.stringValue)
            let subnet = try await cloud.create(
                "/v2.0/subnets", "subnet", ["network_id": .string(networkID), "ip_version": 4, "cidr": "198.18.0.0/29"],
                token: alpha.token)
            let subnetID = try XCTUnwrap(subnet["id"]?.stringValue)
            var addresses: [String] = []
            var macs: Set<String> = []
            for _ in 0..<5 {
                let port = try await cloud.create("/v2.0/ports", "port", ["network_id": .string(networkID)], token: alpha.token)
                XCTAssertEqual(port["status"], "DOWN")
                XCTAssertEqual(port["fixed_ips"]?.arrayValue?.first?["subnet_id"]?.stringValue, subnetID)
                addresses.append(port["fixed_ips"]?.arrayValue?.first?["ip_address"]?.stringValue ?? "")
                macs.insert(port["mac_address"]?.stringValue ?? "")
            }
            XCTAssertEqual(Set(addresses).count, 5)
            XCTAssertEqual(macs.count, 5)
            XCTAssertFalse(addresses.contains("198.18.0.1"), "the gateway is not handed out")
            let full = try await cloud.call(.post, "/v2.0/ports", token: alpha.token, json: ["port": ["network_id": .string(networkID)]])
            XCTAssertEqual(full.status, .conflict)
            XCTAssertEqual(full.type, "IpAddressGenerationFailure")
            // A deleted port's address goes back to the pool.
            let ports = try await cloud.call(.get, "/v2.0/ports?network_id=\(networkID)", token: alpha.token)
            let firstPort = try XCTUnwrap(ports.json?["ports"]?.arrayValue?.first)
            let freed = try XCTUnwrap(firstPort["fixed_ips"]?.arrayValue?.first?["ip_address"]?.stringValue)
            let deleted = try await cloud.call(.delete, "/v2.0/ports/\(firstPort["id"]!.stringValue!)", token: alpha.token)
            XCTAssertEqual(deleted.status, .noContent)
            let reused = try await cloud.create("/v2.0/ports", "port", ["network_id": .string(networkID)], token: alpha.token)
            XCTAssertEqual(reused["fixed_ips"]?.arrayValue?.first?["ip_address"]?.stringValue, freed)
            let inUse = try await cloud.call(.delete, "/v2.0/networks/\(networkID)", token: alpha.token)
            XCTAssertEqual(inUse.status, .conflict)
            XCTAssertEqual(inUse.type, "NetworkInUse")
        }
    }

    /// Ports deleted while others are created on the same subnet (as a rescheduled build does)
    /// give their addresses back without corrupting the free ranges: every create succeeds,
    /// no address is handed out twice, and afterwards the pool fills exactly to its size.
    func testConcurrentPortDeletesAndCreatesKeepTheFreeRangesConsistent() async throws {
        try await NetworkTestCloud.run { cloud in
            let alpha = try await cloud.identity.project("alpha")
            let network = try await cloud.create("/v2.0/networks", "network", [:], token: alpha.token)
            let networkID = try XCTUnwrap(network["id"]?.stringValue)
            _ = try await cloud.create(
                "/v2.0/subnets", "subnet", ["network_id": .string(networkID), "ip_version": 4, "cidr": "198.18.1.0/27"],
                token: alpha.token)
            // 29 pool addresses (.2 to .30). Each round deletes the 6 highest ports, whose
            // addresses border the free tail that the 6 concurrent creates are splitting.
            var live: [String] = []
            for _ in 0..<12 {
                let port = try await cloud.create("/v2.0/ports", "port", ["network_id": .string(networkID)], token: alpha.token)
                live.append(try XCTUnwrap(port["id"]?.stringValue))
            }
            for _ in 0..<4 {
                let doomed = Array(live.suffix(6))
                live.removeLast(6)
                let results = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                    for id in doomed {
                        group.addTask { (Int(try await cloud.call(.delete, "/v2.0/ports/\(id)", token: alpha.token).status.code), nil) }
                        group.addTask {
                            let created = try await cloud.call(
                                .post, "/v2.0/ports", token: alpha.token, json: ["port": ["network_id": .string(networkID)]])
                            return (Int(created.status.code), created.json?["port"]?["id"]?.stringValue)
                        }
                    }
                    return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
                }
                XCTAssertEqual(results.map(\.0).sorted(), Array(repeating: 201, count: 6) + Array(repeating: 204, count: 6))
                live += results.compactMap(\.1)
            }
            // 12 ports now; the remaining 17 pool addresses are all still free, each once.
            for _ in 0..<17 { _ = try await cloud.create("/v2.0/ports", "port", ["network_id": .string(networkID)], token: alpha.token) }
            let full = try await cloud.call(.post, "/v2.0/ports", token: alpha.token, json: ["port": ["network_id": .string(networkID)]])
            XCTAssertEqual(full.type, "IpAddressGenerationFailure")
            let ports = try await cloud.call(.get, "/v2.0/ports?network_id=\(networkID)", token: alpha.token)
            let addresses = ports.json?["ports"]?.arrayValue?.compactMap { $0["fixed_ips"]?.arrayValue?.first?["ip_address"]?.stringValue } ?? []
            XCTAssertEqual(addresses.count, 29)
            XCTAssertEqual(Set(addresses).count, 29, "no address is handed out twice")
        }
    }

    /// The free ranges follow every way an address is taken or given back: lowest first,
    /// an asked-for address out of the middle, a port's addresses changed, pools changed.
    func testFreeAddressesFollowAllocationsReleasesAndPoolChanges() async throws {
        try await NetworkTestCloud.run { cloud in
            let alpha = try await cloud.identity.project("alpha")
            let network = try await cloud.create("/v2.0/networks", "network", [:], token: alpha.token)
            let networkID = try XCTUnwrap(network["id"]?.stringValue)
            let subnet = try await cloud.create(
                "/v2.0/subnets", "subnet",
                ["network_id": .string(networkID), "ip_version": 4, "cidr": "198.18.0.0/28",
                 "allocation_pools": [["start": "198.18.0.2", "end": "198.18.0.6"], ["start": "198.18.0.10", "end": "198.18.0.11"]]],
                token: alpha.token)
            let subnetID = try XCTUnwrap(subnet["id"]?.stringValue)
            @Sendable func newPort(_ fixed: JSONValue? = nil) async throws -> (id: String, address: String) {
                var body: [String: JSONValue] = ["network_id": .string(networkID)]
                if let fixed { body["fixed_ips"] = fixed }
                let port = try await cloud.create("/v2.0/ports", "port", .object(body), token: alpha.token)
                return (port["id"]?.stringValue ?? "", port["fixed_ips"]?.arrayValue?.first?["ip_address"]?.stringValue ?? "")
            }
            let middle = try await newPort([["ip_address": "198.18.0.4"]])
            XCTAssertEqual(middle.address, "198.18.0.4")
            let outside = try await newPort([["subnet_id": .string(subnetID), "ip_address": "198.18.0.8"]])
            XCTAssertEqual(outside.address, "198.18.0.8")
            var handed: [String] = []
            for _ in 0..<5 { handed.append(try await newPort().address) }
            XCTAssertEqual(handed, ["198.18.0.2", "198.18.0.3", "198.18.0.5", "198.18.0.6", "198.18.0.10"])
            // Giving back .4 and the address outside the pools: only .4 is handed out again.
            for id in [middle.id, outside.id] {
                let deleted = try await cloud.call(.delete, "/v2.0/ports/\(id)", token: alpha.token)
                XCTAssertEqual(deleted.status, .noContent)
            }
            let again = try await newPort()
            XCTAssertEqual(again.address, "198.18.0.4")
            // Moving a port to another address frees its old one.
            let moved = try await cloud.call(
                .put, "/v2.0/ports/\(again.id)", token: alpha.token,
                json: ["port": ["fixed_ips": [["subnet_id": .string(subnetID), "ip_address": "198.18.0.11"]]]])
            XCTAssertEqual(moved.status, .ok)
            let reused = try await newPort()
            XCTAssertEqual(reused.address, "198.18.0.4")
            let full = try await cloud.call(.post, "/v2.0/ports", token: alpha.token, json: ["port": ["network_id": .string(networkID)]])
            XCTAssertEqual(full.type, "IpAddressGenerationFailure")
            // Wider pools open new room; allocated addresses stay taken.
            let widened = try await cloud.call(
                .put, "/v2.0/subnets/\(subnetID)", token: alpha.token,
                json: ["subnet": ["allocation_pools": [["start": "198.18.0.2", "end": "198.18.0.13"]]]])
            XCTAssertEqual(widened.status, .ok)
            var opened: [String] = []
            for _ in 0..<4 { opened.append(try await newPort().address) }
            XCTAssertEqual(opened, ["198.18.0.7", "198.18.0.8", "198.18.0.9", "198.18.0.12"])
            let gatewayInPool = try await cloud.call(
                .put, "/v2.0/subnets/\(subnetID)", token: alpha.token, json: ["subnet": ["gateway_ip": "198.18.0.13"]])
            XCTAssertEqual(gatewayInPool.status, .conflict)
            XCTAssertEqual(gatewayInPool.type, "GatewayConflictWithAllocationPools")
        }
    }

    func testDNSNamesAndAssignments() async throws {
        try await NetworkTestCloud.run { cloud in
            let alpha = try await cloud.identity.project("alpha")
            let network = try await cloud.create(
                "/v2.0/networks", "network", ["dns_domain": "example.org."], token: alpha.token)
            XCTAssertEqual(network["dns_domain"], "example.org.")
            let networkID = try XCTUnwrap(network["id"]?.stringValue)
            _ = try await cloud.create(
                "/v2.0/subnets", "subnet", ["network_id": .string(networkID), "ip_version": 4, "cidr": "198.18.0.0/24"],
                token: alpha.token)
            let unnamed = try await cloud.create("/v2.0/ports", "port", ["network_id": .string(networkID)], token: alpha.token)
            XCTAssertEqual(unnamed["dns_name"], "")
            XCTAssertEqual(
                unnamed["dns_assignment"],
                [["hostname": "host-198-18-0-2", "ip_address": "198.18.0.2", "fqdn": "host-198-18-0-2.openstacklocal."]])
            let named = try await cloud.create(
                "/v2.0/ports", "port", ["network_id": .string(networkID), "dns_name": "web-1"], token: alpha.token)
            XCTAssertEqual(named["dns_assignment"]?.arrayValue?.first?["fqdn"], "web-1.openstacklocal.")
            let namedID = try XCTUnwrap(named["id"]?.stringValue)
            let renamed = try await cloud.call(
                .put, "/v2.0/ports/\(namedID)", token: alpha.token, json: ["port": ["dns_name": "db.openstacklocal."]])
            XCTAssertEqual(renamed.json?["port"]?["dns_assignment"]?.arrayValue?.first?["hostname"], "db")
            for bad in ["-web", "web_1", "a..b", String(repeating: "a", count: 64), "host.123", "db.elsewhere.org."] {
                let refused = try await cloud.call(
                    .put, "/v2.0/ports/\(namedID)", token: alpha.token, json: ["port": ["dns_name": .string(bad)]])
                XCTAssertEqual(refused.status, .badRequest, bad)
                XCTAssertEqual(refused.type, "HTTPBadRequest", bad)
            }
            let badDomain = try await cloud.call(
                .post, "/v2.0/networks", token: alpha.token, json: ["network": ["dns_domain": "bad_domain."]])
            XCTAssertEqual(badDomain.status, .badRequest)
            let extensions = try await cloud.call(.get, "/v2.0/extensions", token: alpha.token)
            let aliases = extensions.json?["extensions"]?.arrayValue?.compactMap { $0["alias"]?.stringValue } ?? []
            XCTAssertTrue(aliases.contains("dns-integration"))
        }
    }

    func testRequestedAddressesAndMACs() async throws {
        try await NetworkTestCloud.run { cloud in
            let alpha = try await cloud.identity.project("alpha")
            let network = try await cloud.create("/v2.0/networks", "network", [:], token: alpha.token)
            let networkID = try XCTUnwrap(network["id"]?.stringValue)
            let subnet = try await cloud.create(
                "/v2.0/subnets", "subnet", ["network_id": .string(networkID), "ip_version": 4, "cidr": "10.9.0.0/24"],
                token: alpha.token)
            let subnetID = try XCTUnwrap(subnet["id"]?.stringValue)
            let port = try await cloud.create(
                "/v2.0/ports", "port",
                ["network_id": .string(networkID), "mac_address": "fa:16:3e:00:00:01",
                 "fixed_ips": [["subnet_id": .string(subnetID), "ip_address": "10.9.0.50"]]], token: alpha.token)
            XCTAssertEqual(port["fixed_ips"]?.arrayValue?.first?["ip_address"], "10.9.0.50")
            let taken = try await cloud.call(
                .post, "/v2.0/ports", token: alpha.token,
                json: ["port": ["network_id": .string(networkID), "fixed_ips": [["ip_address": "10.9.0.50"]]]])
            XCTAssertEqual(taken.status, .conflict)
            XCTAssertEqual(taken.type, "IpAddressAlreadyAllocated")
            let macTaken = try await cloud.call(
                .post, "/v2.0/ports", token: alpha.token,
                json: ["port": ["network_id": .string(networkID), "mac_address": "fa:16:3e:00:00:01"]])
            XCTAssertEqual(macTaken.type, "MacAddressInUse")
            let outside = try await cloud.call(
                .post, "/v2.0/ports", token: alpha.token,
                json: ["port": ["network_id": .string(networkID), "fixed_ips": [["ip_address": "10.10.0.5"]]]])
            XCTAssertEqual(outside.status, .badRequest)
            // Another project cannot put a chosen address on alpha's network, nor see it.
            let beta = try await cloud.identity.project("beta")
            let hidden = try await cloud.call(.get, "/v2.0/networks/\(networkID)", token: beta.token)
            XCTAssertEqual(hidden.status, .notFound)
            XCTAssertEqual(hidden.type, "NetworkNotFound")
            let betaPorts = try await cloud.call(.get, "/v2.0/ports", token: beta.token)
            XCTAssertEqual(betaPorts.json?["ports"]?.arrayValue?.count, 0)
        }
    }

    func testListFiltersFieldsSortingAndPaging() async throws {
        try await NetworkTestCloud.run { cloud in
            let alpha = try await cloud.identity.project("alpha")
            var ids: [String] = []
            for name in ["c", "a", "b", "d"] {
                let created = try await cloud.create(
                    "/v2.0/networks", "network", ["name": .string(name), "tags": name == "a" ? ["red"] : []], token: alpha.token)
                ids.append(created["id"]?.stringValue ?? "")
            }
            let byName = try await cloud.call(.get, "/v2.0/networks?name=a&name=b", token: alpha.token)
            XCTAssertEqual(Set(byName.json?["networks"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []), ["a", "b"])
            let tagged = try await cloud.call(.get, "/v2.0/networks?tags=red", token: alpha.token)
            XCTAssertEqual(tagged.json?["networks"]?.arrayValue?.count, 1)
            let fields = try await cloud.call(.get, "/v2.0/networks?fields=id&fields=name", token: alpha.token)
            XCTAssertEqual(fields.json?["networks"]?.arrayValue?.first?.objectValue?.keys.sorted(), ["id", "name"])
            var names: [String] = []
            var path: String? = "/v2.0/networks?sort_key=name&sort_dir=asc&limit=3"
            while let current = path {
                let page = try await cloud.call(.get, current, token: alpha.token)
                names += page.json?["networks"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
                path = page.json?["networks_links"]?.arrayValue?.first { $0["rel"] == "next" }?["href"]?.stringValue
                    .map { $0.replacingOccurrences(of: "http://127.0.0.1:9696", with: "") }
            }
            XCTAssertEqual(names, ["a", "b", "c", "d"])
        }
    }
}

final class NetworkRevisionAndAvailabilityTests: XCTestCase {
    func testIfMatchOnRevisionNumber() async throws {
        try await NetworkTestCloud.run { cloud in
            let alpha = try await cloud.identity.project("alpha")
            let network = try await cloud.create("/v2.0/networks", "network", ["name": "v1"], token: alpha.token)
            let id = try XCTUnwrap(network["id"]?.stringValue)
            let revision = try XCTUnwrap(network["revision_number"]?.intValue)
            let stale = try await cloud.call(
                .put, "/v2.0/networks/\(id)", token: alpha.token, json: ["network": ["name": "v2"]],
                headers: ["If-Match": "revision_number=\(revision + 5)"])
            XCTAssertEqual(stale.status, .preconditionFailed)
            XCTAssertEqual(stale.type, "RevisionNumberConstraintFailed")
            let current = try await cloud.call(
                .put, "/v2.0/networks/\(id)", token: alpha.token, json: ["network": ["name": "v2"]],
                headers: ["If-Match": "revision_number=\(revision)"])
            XCTAssertEqual(current.status, .ok)
            XCTAssertEqual(current.json?["network"]?["revision_number"], .int(revision + 1))
            // Every resource with a revision takes If-Match on updates and deletes.
            let router = try await cloud.create("/v2.0/routers", "router", ["name": "r"], token: alpha.token)
            let group = try await cloud.create("/v2.0/security-groups", "security_group", ["name": "g"], token: alpha.token)
            for (path, key, resource) in [("routers", "router", router), ("security-groups", "security_group", group)] {
                let resourceID = try XCTUnwrap(resource["id"]?.stringValue)
                let at = try XCTUnwrap(resource["revision_number"]?.intValue)
                let staleUpdate = try await cloud.call(
                    .put, "/v2.0/\(path)/\(resourceID)", token: alpha.token, json: [key: ["name": "renamed"]],
                    headers: ["If-Match": "revision_number=\(at + 1)"])
                XCTAssertEqual(staleUpdate.status, .preconditionFailed, path)
                let staleDelete = try await cloud.call(
                    .delete, "/v2.0/\(path)/\(resourceID)", token: alpha.token, headers: ["If-Match": "revision_number=\(at + 1)"])
                XCTAssertEqual(staleDelete.status, .preconditionFailed, path)
                let delete = try await cloud.call(
                    .delete, "/v2.0/\(path)/\(resourceID)", token: alpha.token, headers: ["If-Match": "revision_number=\(at)"])
                XCTAssertEqual(delete.status, .noContent, path)
            }
            let staleNetworkDelete = try await cloud.call(
                .delete, "/v2.0/networks/\(id)", token: alpha.token, headers: ["If-Match": "revision_number=\(revision)"])
            XCTAssertEqual(staleNetworkDelete.status, .preconditionFailed)
            let networkDelete = try await cloud.call(
                .delete, "/v2.0/networks/\(id)", token: alpha.token, headers: ["If-Match": "revision_number=\(revision + 1)"])
            XCTAssertEqual(networkDelete.status, .noContent)
        }
    }

    func testIPAvailabilityCountsPoolsAndAllocations() async throws {
        try await NetworkTestCloud.run { cloud in
            let alpha = try await cloud.identity.project("alpha")
            let admin = try await cloud.identity.adminToken()
            let network = try await cloud.create("/v2.0/networks", "network", ["name": "counted"], token: alpha.token)
            let id = try XCTUnwrap(network["id"]?.stringValue)
            _ = try await cloud.create(
                "/v2.0/subnets", "subnet", ["network_id": .string(id), "ip_version": 4, "cidr": "10.70.0.0/28"], token: alpha.token)
            for _ in 0..<3 { _ = try await cloud.create("/v2.0/ports", "port", ["network_id": .string(id)], token: alpha.token) }
            let shown = try await cloud.call(.get, "/v2.0/network-ip-availabilities/\(id)", token: admin)
            XCTAssertEqual(shown.json?["network_ip_availability"]?["total_ips"], .int(13))
            XCTAssertEqual(shown.json?["network_ip_availability"]?["used_ips"], .int(3))
            let member = try await cloud.call(.get, "/v2.0/network-ip-availabilities", token: alpha.token)
            XCTAssertEqual(member.status, .forbidden)
        }
    }
}

final class SubnetPoolTests: XCTestCase {
    func testSubnetsAreCutFromPools() async throws {
        try await NetworkTestCloud.run { cloud in
            let alpha = try await cloud.identity.project("alpha")
            let admin = try await cloud.identity.adminToken()
            let pool = try await cloud.create(
                "/v2.0/subnetpools", "subnetpool",
                ["name": "shared-v4", "prefixes": ["10.128.0.0/16"], "default_prefixlen": 26, "is_default": true, "shared": true],
                token: admin)
            let poolID = try XCTUnwrap(pool["id"]?.stringValue)
            let memberDefault = try await cloud.call(
                .post, "/v2.0/subnetpools", token: alpha.token,
                json: ["subnetpool": ["prefixes": ["10.200.0.0/16"], "is_default": true]])
            XCTAssertEqual(memberDefault.status, .forbidden)
            let network = try await cloud.create("/v2.0/networks", "network", [:], token: alpha.token)
            let first = try await cloud.create(
                "/v2.0/subnets", "subnet", ["network_id": network["id"]!, "ip_version": 4, "subnetpool_id": .string(poolID)],
                token: alpha.token)
            XCTAssertEqual(first["cidr"], "10.128.0.0/26")
            XCTAssertEqual(first["subnetpool_id"]?.stringValue, poolID)
            let other = try await cloud.create("/v2.0/networks", "network", [:], token: alpha.token)
            let second = try await cloud.create(
                "/v2.0/subnets", "subnet", ["network_id": other["id"]!, "ip_version": 4, "use_default_subnetpool": true, "prefixlen": 24],
                token: alpha.token)
            XCTAssertEqual(second["cidr"], "10.128.1.0/24")
            let outside = try await cloud.call(
                .post, "/v2.0/subnets", token: alpha.token,
                json: ["subnet": ["network_id": other["id"]!, "ip_version": 4, "subnetpool_id": .string(poolID), "cidr": "192.168.0.0/24"]])
            XCTAssertEqual(outside.status, .badRequest)
            let inUse = try await cloud.call(.delete, "/v2.0/subnetpools/\(poolID)", token: admin)
            XCTAssertEqual(inUse.status, .conflict)
            // Prefixes may grow but not lose what they had; bounds stay consistent.
            let shrunk = try await cloud.call(
                .put, "/v2.0/subnetpools/\(poolID)", token: admin, json: ["subnetpool": ["prefixes": ["10.128.0.0/17"]]])
            XCTAssertEqual(shrunk.status, .badRequest)
            XCTAssertEqual(shrunk.type, "IllegalSubnetPoolPrefixUpdate")
            let grown = try await cloud.call(
                .put, "/v2.0/subnetpools/\(poolID)", token: admin,
                json: ["subnetpool": ["prefixes": ["10.128.0.0/15", "10.250.0.0/16"], "name": "bigger", "default_prefixlen": 25]])
            XCTAssertEqual(grown.status, .ok)
            XCTAssertEqual(grown.json?["subnetpool"]?["prefixes"], ["10.128.0.0/15", "10.250.0.0/16"])
            XCTAssertEqual(grown.json?["subnetpool"]?["default_prefixlen"], 25)
            let badBounds = try await cloud.call(
                .put, "/v2.0/subnetpools/\(poolID)", token: admin, json: ["subnetpool": ["min_prefixlen": 30]])
            XCTAssertEqual(badBounds.type, "IllegalSubnetPoolPrefixBounds")
            let own = try await cloud.create("/v2.0/subnetpools", "subnetpool", ["prefixes": ["10.201.0.0/16"]], token: alpha.token)
            let memberMakesDefault = try await cloud.call(
                .put, "/v2.0/subnetpools/\(own["id"]!.stringValue!)", token: alpha.token, json: ["subnetpool": ["is_default": true]])
            XCTAssertEqual(memberMakesDefault.status, .forbidden)
            let sharedIsFixed = try await cloud.call(
                .put, "/v2.0/subnetpools/\(own["id"]!.stringValue!)", token: alpha.token, json: ["subnetpool": ["shared": true]])
            XCTAssertEqual(sharedIsFixed.status, .badRequest)
        }
    }
}

final class AgentRegistryTests: XCTestCase {
    func testAgentsReportAndZonesFollowThem() async throws {
        try await NetworkTestCloud.run { cloud in
            let admin = try await cloud.identity.adminToken()
            let alpha = try await cloud.identity.project("alpha")
            let empty = try await cloud.call(.get, "/v2.0/agents", token: admin)
            XCTAssertEqual(empty.json?["agents"]?.arrayValue?.count, 0)
            let manager = cloud.service.manager
            try await manager.reportAgentState(
                type: "DHCP agent", binary: "stratus-dhcp-agent", host: "node1", topic: "dhcp_agent",
                availabilityZone: "zone-a", configurations: ["networks": 0], starting: true)
            try await manager.reportAgentState(
                type: "L3 agent", binary: "stratus-l3-agent", host: "node1", topic: "l3_agent",
                availabilityZone: "zone-a", configurations: [:], starting: true)
            let again = try await manager.reportAgentState(
                type: "DHCP agent", binary: "stratus-dhcp-agent", host: "node1", topic: "dhcp_agent",
                availabilityZone: "zone-a", configurations: ["networks": 2], starting: false)
            let agents = try await cloud.call(.get, "/v2.0/agents", token: admin)
            XCTAssertEqual(agents.json?["agents"]?.arrayValue?.count, 2, "a second report updates, not adds")
            XCTAssertEqual(agents.json?["agents"]?.arrayValue?.first?["alive"], true)
            let zones = try await cloud.call(.get, "/v2.0/availability_zones", token: alpha.token)
            XCTAssertEqual(
                Set(zones.json?["availability_zones"]?.arrayValue?.compactMap { $0["resource"]?.stringValue } ?? []), ["network", "router"])
            let refused = try await cloud.call(.get, "/v2.0/agents", token: alpha.token)
            XCTAssertEqual(refused.status, .forbidden)
            let disabled = try await cloud.call(
                .put, "/v2.0/agents/\(again.id)", token: admin, json: ["agent": ["admin_state_up": false]])
            XCTAssertEqual(disabled.json?["agent"]?["admin_state_up"], false)
            let removed = try await cloud.call(.delete, "/v2.0/agents/\(again.id)", token: admin)
            XCTAssertEqual(removed.status, .noContent)
        }
    }
}

final class MultiSegmentTests: XCTestCase {
    func testAdminsCreateNetworksOfSeveralSegments() async throws {
        try await NetworkTestCloud.run { cloud in
            let admin = try await cloud.identity.adminToken()
            let network = try await cloud.create(
                "/v2.0/networks", "network",
                [
                    "name": "multi",
                    "segments": [
                        ["provider:network_type": "vlan", "provider:physical_network": "physnet1", "provider:segmentation_id": 150],
                        ["provider:network_type": "vxlan", "provider:segmentation_id": 900],
                    ],
                ], token: admin)
            XCTAssertEqual(network["segments"]?.arrayValue?.count, 2)
            XCTAssertNil(network["provider:network_type"])
            XCTAssertEqual(network["mtu"], .int(1450), "the smallest segment MTU")
            let taken = try await cloud.call(
                .post, "/v2.0/networks", token: admin,
                json: ["network": ["provider:network_type": "vlan", "provider:physical_network": "physnet1", "provider:segmentation_id": 150]])
            XCTAssertEqual(taken.type, "VlanIdInUse")
        }
    }
}
