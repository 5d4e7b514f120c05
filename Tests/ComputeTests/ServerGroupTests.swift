import HTTPTypes
import StratusKit
import XCTest

@testable import Compute

/// `os-server-groups`: policies by microversion, rules, visibility, members, quota.
final class ServerGroupTests: XCTestCase {
    func testCreateByMicroversion() async throws {
        try await ComputeTestCloud.run { cloud in
            let member = try await cloud.identity.project("dev")
            let v264 = try await cloud.call(
                .post, "/v2.1/os-server-groups", version: "2.64",
                json: ["server_group": ["name": "web", "policy": "anti-affinity", "rules": ["max_server_per_host": 2]]],
                token: member.token)
            XCTAssertEqual(v264.status, .ok)
            let group = try XCTUnwrap(v264.json?["server_group"])
            XCTAssertEqual(group["policy"]?.stringValue, "anti-affinity")
            XCTAssertEqual(group["rules"], ["max_server_per_host": 2])
            XCTAssertEqual(group["members"], [])
            XCTAssertEqual(group["project_id"]?.stringValue, member.id)
            XCTAssertNil(group["policies"])

            let old = try await cloud.call(
                .post, "/v2.1/os-server-groups", version: "2.1", json: ["server_group": ["name": "db", "policies": ["affinity"]]],
                token: member.token)
            XCTAssertEqual(old.json?["server_group"]?["policies"], ["affinity"])
            XCTAssertEqual(old.json?["server_group"]?["metadata"], [:])
            XCTAssertNil(old.json?["server_group"]?["project_id"], "project_id from 2.13")
            let softTooEarly = try await cloud.call(
                .post, "/v2.1/os-server-groups", version: "2.14",
                json: ["server_group": ["name": "s", "policies": ["soft-affinity"]]], token: member.token)
            XCTAssertEqual(softTooEarly.status, .badRequest, "soft policies from 2.15")
            let soft = try await cloud.call(
                .post, "/v2.1/os-server-groups", version: "2.15",
                json: ["server_group": ["name": "s", "policies": ["soft-affinity"]]], token: member.token)
            XCTAssertEqual(soft.status, .ok)
            let rulesOnAffinity = try await cloud.call(
                .post, "/v2.1/os-server-groups", version: "2.64",
                json: ["server_group": ["name": "x", "policy": "affinity", "rules": ["max_server_per_host": 2]]],
                token: member.token)
            XCTAssertEqual(rulesOnAffinity.message, "Only anti-affinity policy supports rules.")
            let policiesAt264 = try await cloud.call(
                .post, "/v2.1/os-server-groups", version: "2.64",
                json: ["server_group": ["name": "x", "policies": ["affinity"]]], token: member.token)
            XCTAssertEqual(policiesAt264.status, .badRequest)
        }
    }

    func testVisibilityMembersAndDelete() async throws {
        try await ComputeTestCloud.run { cloud in
            let alice = try await cloud.identity.project("alice")
            let bob = try await cloud.identity.project("bob")
            let created = try await cloud.call(
                .post, "/v2.1/os-server-groups", json: ["server_group": ["name": "g", "policy": "affinity"]], token: alice.token)
            let uuid = try XCTUnwrap(created.json?["server_group"]?["id"]?.stringValue)
            let instance = try await cloud.instance(project: alice.id, host: "h1")
            try await cloud.queries { q in try await q.addServerGroupMember(groupUUID: uuid, instanceUUID: instance) }

            let shown = try await cloud.call(.get, "/v2.1/os-server-groups/\(uuid)", token: alice.token)
            XCTAssertEqual(shown.json?["server_group"]?["members"], [.string(instance)])
            let (group, hosts) = try await cloud.queries { q in
                (try await q.serverGroupForInstance(instance), try await q.serverGroupMemberHosts(groupUUID: uuid))
            }
            XCTAssertEqual(group?.uuid, uuid)
            XCTAssertEqual(hosts, ["h1": 1])

            try await cloud.call(.put, "/v2.1/os-quota-sets/\(alice.id)", json: ["quota_set": ["server_group_members": 1]])
            do {
                try await cloud.queries { q in
                    let full = try await q.serverGroup(uuid: uuid)!
                    try await QuotaCheck(settings: ComputeSettings()).checkServerGroupMembers(q, group: full, adding: 1)
                }
                XCTFail("the group is full")
            } catch let error as APIError {
                XCTAssertEqual(error.status, .forbidden)
                XCTAssertEqual(error.message, "Quota exceeded, too many servers in group")
            }
            let bobView = try await cloud.call(.get, "/v2.1/os-server-groups/\(uuid)", token: bob.token)
            XCTAssertEqual(bobView.status, .forbidden)
            let bobList = try await cloud.call(.get, "/v2.1/os-server-groups?all_projects=True", token: bob.token)
            XCTAssertEqual(bobList.json?["server_groups"], [], "all_projects is for admins only")
            let adminAll = try await cloud.call(.get, "/v2.1/os-server-groups?all_projects=True")
            XCTAssertEqual(adminAll.json?["server_groups"]?.arrayValue?.count, 1)
            let adminOwn = try await cloud.call(.get, "/v2.1/os-server-groups")
            XCTAssertEqual(adminOwn.json?["server_groups"], [], "an admin's own list is their project's")
            try await cloud.call(
                .post, "/v2.1/os-server-groups", json: ["server_group": ["name": "g2", "policy": "affinity"]], token: alice.token)
            let paged = try await cloud.call(.get, "/v2.1/os-server-groups?limit=1&offset=1", token: alice.token)
            XCTAssertEqual(paged.json?["server_groups"]?[0]?["name"]?.stringValue, "g2")

            try await cloud.queries { q in try await q.removeServerGroupMember(instanceUUID: instance) }
            let emptied = try await cloud.call(.get, "/v2.1/os-server-groups/\(uuid)", token: alice.token)
            XCTAssertEqual(emptied.json?["server_group"]?["members"], [])
            let bobDelete = try await cloud.call(.delete, "/v2.1/os-server-groups/\(uuid)", token: bob.token)
            XCTAssertEqual(bobDelete.status, .forbidden)
            let deleted = try await cloud.call(.delete, "/v2.1/os-server-groups/\(uuid)", token: alice.token)
            XCTAssertEqual(deleted.status, .noContent)
            let missing = try await cloud.call(.get, "/v2.1/os-server-groups/\(uuid)", token: alice.token)
            XCTAssertEqual(missing.message, "Instance group \(uuid) could not be found.")
        }
    }

    func testServerGroupQuota() async throws {
        try await ComputeTestCloud.run { cloud in
            let dev = try await cloud.identity.project("dev")
            let set = try await cloud.call(.put, "/v2.1/os-quota-sets/\(dev.id)", json: ["quota_set": ["server_groups": 1]])
            XCTAssertEqual(set.status, .ok)
            let first = try await cloud.call(
                .post, "/v2.1/os-server-groups", json: ["server_group": ["name": "a", "policy": "affinity"]], token: dev.token)
            XCTAssertEqual(first.status, .ok)
            let second = try await cloud.call(
                .post, "/v2.1/os-server-groups", json: ["server_group": ["name": "b", "policy": "affinity"]], token: dev.token)
            XCTAssertEqual(second.status, .forbidden)
            XCTAssertEqual(second.message, "Quota exceeded, too many server groups.")
        }
    }
}
