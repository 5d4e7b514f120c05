import Foundation
import StratusKit
import StratusTestSupport
import XCTest

@testable import Networking

final class SecurityGroupTests: XCTestCase {
    func testDefaultGroupRulesAndDuplicates() async throws {
        try await NetworkTestCloud.run { cloud in
            let alpha = try await cloud.identity.project("alpha")
            let listed = try await cloud.call(.get, "/v2.0/security-groups", token: alpha.token)
            let groups = try XCTUnwrap(listed.json?["security_groups"]?.arrayValue)
            XCTAssertEqual(groups.map { $0["name"] }, ["default"], "a project gets its default group on first use")
            let defaultRules = try XCTUnwrap(groups.first?["security_group_rules"]?.arrayValue)
            XCTAssertEqual(defaultRules.count, 4)
            let defaultID = try XCTUnwrap(groups.first?["id"]?.stringValue)
            XCTAssertEqual(
                defaultRules.filter { $0["direction"] == "ingress" }.map { $0["remote_group_id"]?.stringValue }, [defaultID, defaultID])

            let web = try await cloud.create("/v2.0/security-groups", "security_group", ["name": "web"], token: alpha.token)
            let webID = try XCTUnwrap(web["id"]?.stringValue)
            XCTAssertEqual(web["security_group_rules"]?.arrayValue?.count, 2, "a new group allows all egress")
            let ssh: JSONValue = [
                "security_group_id": .string(webID), "direction": "ingress", "protocol": "tcp", "port_range_min": 22,
                "port_range_max": 22, "remote_ip_prefix": "198.51.100.0/24",
            ]
            let rule = try await cloud.create("/v2.0/security-group-rules", "security_group_rule", ssh, token: alpha.token)
            XCTAssertEqual(rule["ethertype"], "IPv4")
            let duplicate = try await cloud.call(.post, "/v2.0/security-group-rules", token: alpha.token, json: ["security_group_rule": ssh])
            XCTAssertEqual(duplicate.status, .conflict)
            XCTAssertEqual(duplicate.type, "SecurityGroupRuleExists")
            let badRange = try await cloud.call(
                .post, "/v2.0/security-group-rules", token: alpha.token,
                json: ["security_group_rule": ["security_group_id": .string(webID), "direction": "ingress", "protocol": "tcp", "port_range_min": 90, "port_range_max": 80]])
            XCTAssertEqual(badRange.status, .badRequest)
            let wrongFamily = try await cloud.call(
                .post, "/v2.0/security-group-rules", token: alpha.token,
                json: ["security_group_rule": ["security_group_id": .string(webID), "direction": "ingress", "ethertype": "IPv6", "remote_ip_prefix": "10.0.0.0/8"]])
            XCTAssertEqual(wrongFamily.type, "SecurityGroupConflictingEtherType")

            // Ports get the default group, or the ones asked for; a group in use stays.
            let network = try await cloud.create("/v2.0/networks", "network", [:], token: alpha.token)
            let port = try await cloud.create("/v2.0/ports", "port", ["network_id": network["id"]!], token: alpha.token)
            XCTAssertEqual(port["security_groups"], [.string(defaultID)])
            let webPort = try await cloud.create(
                "/v2.0/ports", "port", ["network_id": network["id"]!, "security_groups": [.string(webID)]], token: alpha.token)
            XCTAssertEqual(webPort["security_groups"], [.string(webID)])
            let inUse = try await cloud.call(.delete, "/v2.0/security-groups/\(webID)", token: alpha.token)
            XCTAssertEqual(inUse.type, "SecurityGroupInUse")

            // Another project sees none of it.
            let beta = try await cloud.identity.project("beta")
            let hidden = try await cloud.call(.get, "/v2.0/security-groups/\(webID)", token: beta.token)
            XCTAssertEqual(hidden.status, .notFound)
            let foreign = try await cloud.call(
                .post, "/v2.0/ports", token: beta.token,
                json: ["port": ["network_id": network["id"]!, "security_groups": [.string(webID)]]])
            XCTAssertEqual(foreign.status, .notFound)
        }
    }
}

final class NetworkQuotaTests: XCTestCase {
    func testAddressGroupsAsRemoteEndsOfRules() async throws {
        try await NetworkTestCloud.run { cloud in
            let alpha = try await cloud.identity.project("alpha")
            let beta = try await cloud.identity.project("beta")
            let group = try await cloud.create(
                "/v2.0/address-groups", "address_group",
                ["name": "office", "addresses": ["192.0.2.7/24", "198.51.100.9/32", "2001:db8::/64"]], token: alpha.token)
            let groupID = try XCTUnwrap(group["id"]?.stringValue)
            XCTAssertEqual(group["addresses"], ["192.0.2.0/24", "198.51.100.9/32", "2001:db8::/64"])
            let bare = try await cloud.call(
                .post, "/v2.0/address-groups", token: alpha.token, json: ["address_group": ["addresses": ["192.0.2.1"]]])
            XCTAssertEqual(bare.status, .badRequest)
            let added = try await cloud.call(
                .put, "/v2.0/address-groups/\(groupID)/add_addresses", token: alpha.token, json: ["addresses": ["203.0.113.0/28"]])
            XCTAssertEqual(added.json?["address_group"]?["addresses"]?.arrayValue?.count, 4)
            let again = try await cloud.call(
                .put, "/v2.0/address-groups/\(groupID)/add_addresses", token: alpha.token, json: ["addresses": ["203.0.113.0/28"]])
            XCTAssertEqual(again.status, .badRequest)
            XCTAssertEqual(again.type, "AddressesAlreadyExist")
            let missing = try await cloud.call(
                .put, "/v2.0/address-groups/\(groupID)/remove_addresses", token: alpha.token, json: ["addresses": ["10.9.0.0/16"]])
            XCTAssertEqual(missing.status, .notFound)
            XCTAssertEqual(missing.type, "AddressesNotFound")
            let removed = try await cloud.call(
                .put, "/v2.0/address-groups/\(groupID)/remove_addresses", token: alpha.token, json: ["addresses": ["2001:db8::/64"]])
            XCTAssertEqual(removed.json?["address_group"]?["addresses"], ["192.0.2.0/24", "198.51.100.9/32", "203.0.113.0/28"])
            // Another project neither sees the group nor can name it in a rule.
            let hidden = try await cloud.call(.get, "/v2.0/address-groups/\(groupID)", token: beta.token)
            XCTAssertEqual(hidden.status, .notFound)
            let betaList = try await cloud.call(.get, "/v2.0/address-groups", token: beta.token)
            XCTAssertEqual(betaList.json?["address_groups"]?.arrayValue?.count, 0)

            let web = try await cloud.create("/v2.0/security-groups", "security_group", ["name": "web"], token: alpha.token)
            let webID = try XCTUnwrap(web["id"]?.stringValue)
            let ruleBody: JSONValue = [
                "security_group_id": .string(webID), "direction": "ingress", "protocol": "tcp", "port_range_min": 443,
                "remote_address_group_id": .string(groupID),
            ]
            let rule = try await cloud.create("/v2.0/security-group-rules", "security_group_rule", ruleBody, token: alpha.token)
            XCTAssertEqual(rule["remote_address_group_id"]?.stringValue, groupID)
            XCTAssertEqual(rule["remote_ip_prefix"], .null)
            let duplicate = try await cloud.call(.post, "/v2.0/security-group-rules", token: alpha.token, json: ["security_group_rule": ruleBody])
            XCTAssertEqual(duplicate.type, "SecurityGroupRuleExists")
            var twoRemotes = ruleBody.objectValue ?? [:]
            twoRemotes["remote_ip_prefix"] = "10.0.0.0/8"
            let refused = try await cloud.call(
                .post, "/v2.0/security-group-rules", token: alpha.token, json: ["security_group_rule": .object(twoRemotes)])
            XCTAssertEqual(refused.status, .badRequest)
            XCTAssertEqual(refused.type, "SecurityGroupMultipleRemoteEntites")
            let inUse = try await cloud.call(.delete, "/v2.0/address-groups/\(groupID)", token: alpha.token)
            XCTAssertEqual(inUse.status, .conflict)
            XCTAssertEqual(inUse.type, "AddressGroupInUse")
            let ruleID = try XCTUnwrap(rule["id"]?.stringValue)
            _ = try await cloud.call(.delete, "/v2.0/security-group-rules/\(ruleID)", token: alpha.token)
            let deleted = try await cloud.call(.delete, "/v2.0/address-groups/\(groupID)", token: alpha.token)
            XCTAssertEqual(deleted.status, .noContent)
        }
    }

    func testPortQuotaAndDetails() async throws {
        try await NetworkTestCloud.run { cloud in
            let alpha = try await cloud.identity.project("alpha")
            let admin = try await cloud.identity.adminToken()
            let refused = try await cloud.call(.put, "/v2.0/quotas/\(alpha.id)", token: alpha.token, json: ["quota": ["port": 2]])
            XCTAssertEqual(refused.status, .forbidden)
            let set = try await cloud.call(.put, "/v2.0/quotas/\(alpha.id)", token: admin, json: ["quota": ["port": 2]])
            XCTAssertEqual(set.json?["quota"]?["port"], .int(2))
            XCTAssertEqual(set.json?["quota"]?["network"], .int(100))
            let network = try await cloud.create("/v2.0/networks", "network", [:], token: alpha.token)
            for _ in 0..<2 { _ = try await cloud.create("/v2.0/ports", "port", ["network_id": network["id"]!], token: alpha.token) }
            let third = try await cloud.call(.post, "/v2.0/ports", token: alpha.token, json: ["port": ["network_id": network["id"]!]])
            XCTAssertEqual(third.status, .conflict)
            XCTAssertEqual(third.type, "OverQuota")
            let details = try await cloud.call(.get, "/v2.0/quotas/\(alpha.id)/details", token: alpha.token)
            XCTAssertEqual(details.json?["quota"]?["port"]?["used"], .int(2))
            XCTAssertEqual(details.json?["quota"]?["network"]?["used"], .int(1))
            let beta = try await cloud.identity.project("beta")
            let other = try await cloud.call(.get, "/v2.0/quotas/\(alpha.id)", token: beta.token)
            XCTAssertEqual(other.status, .forbidden)
            let deleted = try await cloud.call(.delete, "/v2.0/quotas/\(alpha.id)", token: admin)
            XCTAssertEqual(deleted.status, .noContent)
            let reset = try await cloud.call(.get, "/v2.0/quotas/\(alpha.id)", token: alpha.token)
            XCTAssertEqual(reset.json?["quota"]?["port"], .int(500))
        }
    }
}

final class RBACPolicyTests: XCTestCase {
    func testSharingANetworkWithOneProject() async throws {
        try await NetworkTestCloud.run { cloud in
            let alpha = try await cloud.identity.project("alpha")
            let beta = try await cloud.identity.project("beta")
            let gamma = try await cloud.identity.project("gamma")
            let network = try await cloud.create("/v2.0/networks", "network", ["name": "shared-one"], token: alpha.token)
            let networkID = try XCTUnwrap(network["id"]?.stringValue)
            _ = try await cloud.create(
                "/v2.0/subnets", "subnet", ["network_id": .string(networkID), "ip_version": 4, "cidr": "10.40.0.0/24"], token: alpha.token)
            let before = try await cloud.call(.get, "/v2.0/networks/\(networkID)", token: beta.token)
            XCTAssertEqual(before.status, .notFound)
            let everyone = try await cloud.call(
                .post, "/v2.0/rbac-policies", token: alpha.token,
                json: ["rbac_policy": ["object_type": "network", "object_id": .string(networkID), "action": "access_as_shared", "target_tenant": "*"]])
            XCTAssertEqual(everyone.status, .forbidden, "sharing with everyone is for admins")
            let share = try await cloud.create(
                "/v2.0/rbac-policies", "rbac_policy",
                ["object_type": "network", "object_id": .string(networkID), "action": "access_as_shared", "target_tenant": .string(beta.id)],
                token: alpha.token)
            let seen = try await cloud.call(.get, "/v2.0/networks/\(networkID)", token: beta.token)
            XCTAssertEqual(seen.status, .ok)
            XCTAssertEqual(seen.json?["network"]?["shared"], true, "shared as beta sees it")
            let port = try await cloud.create("/v2.0/ports", "port", ["network_id": .string(networkID)], token: beta.token)
            XCTAssertEqual(port["project_id"]?.stringValue, beta.id)
            let hidden = try await cloud.call(.get, "/v2.0/networks/\(networkID)", token: gamma.token)
            XCTAssertEqual(hidden.status, .notFound)
            let shareID = try XCTUnwrap(share["id"]?.stringValue)
            let inUse = try await cloud.call(.delete, "/v2.0/rbac-policies/\(shareID)", token: alpha.token)
            XCTAssertEqual(inUse.type, "RbacPolicyInUse")
            let portID = try XCTUnwrap(port["id"]?.stringValue)
            let portDeleted = try await cloud.call(.delete, "/v2.0/ports/\(portID)", token: beta.token)
            XCTAssertEqual(portDeleted.status, .noContent)
            let withdrawn = try await cloud.call(.delete, "/v2.0/rbac-policies/\(shareID)", token: alpha.token)
            XCTAssertEqual(withdrawn.status, .noContent)
            let gone = try await cloud.call(.get, "/v2.0/networks/\(networkID)", token: beta.token)
            XCTAssertEqual(gone.status, .notFound)
        }
    }
}
