import HTTPTypes
import StratusKit
import XCTest

@testable import Compute

/// `os-quota-sets`, `os-quota-class-sets`, `/limits` and the checks servers and keypairs
/// pass through.
final class QuotaTests: XCTestCase {
    func testShowDetailUpdateDeleteAndDefaults() async throws {
        try await ComputeTestCloud.run { cloud in
            let dev = try await cloud.identity.project("dev")
            try await cloud.instance(project: dev.id, vcpus: 2, memoryMB: 2048)
            try await cloud.instance(project: dev.id, vcpus: 2, memoryMB: 2048, deleted: true)

            let shown = try await cloud.call(.get, "/v2.1/os-quota-sets/\(dev.id)", version: "2.57", token: dev.token)
            XCTAssertEqual(
                shown.json?["quota_set"],
                [
                    "id": .string(dev.id), "instances": 10, "cores": 20, "ram": 51200, "metadata_items": 128, "key_pairs": 100,
                    "server_groups": 10, "server_group_members": 10,
                ])
            let old = try await cloud.call(.get, "/v2.1/os-quota-sets/\(dev.id)", version: "2.35")
            XCTAssertEqual(old.json?["quota_set"]?["floating_ips"]?.intValue, 10, "network quotas before 2.36")
            XCTAssertEqual(old.json?["quota_set"]?["injected_files"]?.intValue, 5)
            let mid = try await cloud.call(.get, "/v2.1/os-quota-sets/\(dev.id)", version: "2.36")
            XCTAssertNil(mid.json?["quota_set"]?["floating_ips"])
            XCTAssertEqual(mid.json?["quota_set"]?["injected_files"]?.intValue, 5, "files until 2.57")

            let detail = try await cloud.call(.get, "/v2.1/os-quota-sets/\(dev.id)/detail", token: dev.token)
            XCTAssertEqual(detail.json?["quota_set"]?["instances"], ["limit": 10, "in_use": 1, "reserved": 0])
            XCTAssertEqual(detail.json?["quota_set"]?["cores"]?["in_use"]?.intValue, 2, "deleted instances are not counted")
            XCTAssertEqual(detail.json?["quota_set"]?["ram"]?["in_use"]?.intValue, 2048)

            let otherProject = try await cloud.call(.get, "/v2.1/os-quota-sets/someone-else", token: dev.token)
            XCTAssertEqual(otherProject.status, .forbidden, "a member reads only their project's quotas")
            let memberSet = try await cloud.call(.put, "/v2.1/os-quota-sets/\(dev.id)", json: ["quota_set": ["instances": 3]], token: dev.token)
            XCTAssertEqual(memberSet.status, .forbidden, "only admins change quotas")
            let updated = try await cloud.call(
                .put, "/v2.1/os-quota-sets/\(dev.id)", json: ["quota_set": ["instances": 3, "cores": -1]])
            XCTAssertEqual(updated.status, .ok)
            XCTAssertEqual(updated.json?["quota_set"]?["instances"]?.intValue, 3)
            XCTAssertEqual(updated.json?["quota_set"]?["cores"]?.intValue, -1)
            XCTAssertNil(updated.json?["quota_set"]?["id"])
            let belowUse = try await cloud.call(.put, "/v2.1/os-quota-sets/\(dev.id)", json: ["quota_set": ["instances": 0]])
            XCTAssertEqual(belowUse.status, .badRequest)
            XCTAssertEqual(
                belowUse.message, "Quota limit 0 for instances must be greater than or equal to already used and reserved 1.")
            let forced = try await cloud.call(
                .put, "/v2.1/os-quota-sets/\(dev.id)", json: ["quota_set": ["instances": 0, "force": true]])
            XCTAssertEqual(forced.status, .ok)
            let invalid = try await cloud.call(.put, "/v2.1/os-quota-sets/\(dev.id)", json: ["quota_set": ["instances": -2]])
            XCTAssertEqual(invalid.status, .badRequest)
            let unknown = try await cloud.call(.put, "/v2.1/os-quota-sets/\(dev.id)", json: ["quota_set": ["pets": 2]])
            XCTAssertEqual(unknown.status, .badRequest)

            let reset = try await cloud.call(.delete, "/v2.1/os-quota-sets/\(dev.id)")
            XCTAssertEqual(reset.status, .accepted)
            let afterReset = try await cloud.call(.get, "/v2.1/os-quota-sets/\(dev.id)")
            XCTAssertEqual(afterReset.json?["quota_set"]?["instances"]?.intValue, 10)

            let classSet = try await cloud.call(
                .put, "/v2.1/os-quota-class-sets/default", json: ["quota_class_set": ["instances": 7]])
            XCTAssertEqual(classSet.json?["quota_class_set"]?["instances"]?.intValue, 7)
            let classShown = try await cloud.call(.get, "/v2.1/os-quota-class-sets/default")
            XCTAssertEqual(classShown.json?["quota_class_set"]?["id"]?.stringValue, "default")
            let defaults = try await cloud.call(.get, "/v2.1/os-quota-sets/\(dev.id)/defaults", token: dev.token)
            XCTAssertEqual(defaults.json?["quota_set"]?["instances"]?.intValue, 7, "the default class is the projects' default")
            let inherited = try await cloud.call(.get, "/v2.1/os-quota-sets/\(dev.id)")
            XCTAssertEqual(inherited.json?["quota_set"]?["instances"]?.intValue, 7)
            let memberClass = try await cloud.call(.get, "/v2.1/os-quota-class-sets/default", token: dev.token)
            XCTAssertEqual(memberClass.status, .forbidden)
        }
    }

    func testLimits() async throws {
        try await ComputeTestCloud.run { cloud in
            let dev = try await cloud.identity.project("dev")
            try await cloud.instance(project: dev.id, vcpus: 4, memoryMB: 4096)
            try await cloud.call(
                .post, "/v2.1/os-server-groups", json: ["server_group": ["name": "a", "policy": "affinity"]], token: dev.token)
            let limits = try await cloud.call(.get, "/v2.1/limits", version: "2.57", token: dev.token)
            XCTAssertEqual(
                limits.json?["limits"],
                [
                    "absolute": [
                        "maxTotalInstances": 10, "maxTotalCores": 20, "maxTotalRAMSize": 51200, "maxServerMeta": 128,
                        "maxTotalKeypairs": 100, "maxServerGroups": 10, "maxServerGroupMembers": 10, "totalInstancesUsed": 1,
                        "totalCoresUsed": 4, "totalRAMUsed": 4096, "totalServerGroupsUsed": 1,
                    ],
                    "rate": [],
                ])
            let old = try await cloud.call(.get, "/v2.1/limits", version: "2.1", token: dev.token)
            XCTAssertEqual(old.json?["limits"]?["absolute"]?["maxTotalFloatingIps"]?.intValue, 10)
            XCTAssertEqual(old.json?["limits"]?["absolute"]?["maxPersonality"]?.intValue, 5)
            let v236 = try await cloud.call(.get, "/v2.1/limits", version: "2.36", token: dev.token)
            XCTAssertNil(v236.json?["limits"]?["absolute"]?["maxTotalFloatingIps"])
            XCTAssertEqual(v236.json?["limits"]?["absolute"]?["maxPersonality"]?.intValue, 5)

            let other = try await cloud.call(.get, "/v2.1/limits?tenant_id=\(dev.id)")
            XCTAssertEqual(other.json?["limits"]?["absolute"]?["totalCoresUsed"]?.intValue, 4, "an admin reads another project's")
            let snooping = try await cloud.call(.get, "/v2.1/limits?tenant_id=someone-else", token: dev.token)
            XCTAssertEqual(snooping.status, .forbidden)
        }
    }

    func testQuotaCheckForServers() async throws {
        try await ComputeTestCloud.run { cloud in
            try await cloud.call(.put, "/v2.1/os-quota-sets/p1", json: ["quota_set": ["instances": 3, "cores": 4]])
            for _ in 0..<3 { try await cloud.instance(project: "p1", vcpus: 1) }
            let check = QuotaCheck(settings: ComputeSettings())
            do {
                try await cloud.queries { q in
                    try await check.checkServers(q, projectID: "p1", userID: "u", instances: 1, cores: 1, ram: 512)
                }
                XCTFail("the fourth instance is over quota")
            } catch let error as APIError {
                XCTAssertEqual(error.status, .forbidden)
                XCTAssertEqual(error.message, "Quota exceeded for instances: Requested 1, but already used 3 of 3 instances")
            }
            do {
                try await cloud.queries { q in
                    try await check.checkServers(q, projectID: "p2", userID: "u", instances: 1, cores: 1, ram: 1, metadataItems: 129)
                }
                XCTFail("129 metadata items are over the default 128")
            } catch let error as APIError {
                XCTAssertEqual(error.status, .forbidden)
            }
            try await cloud.call(.put, "/v2.1/os-quota-sets/p1", json: ["quota_set": ["instances": -1]])
            do {
                try await cloud.queries { q in
                    try await check.checkServers(q, projectID: "p1", userID: "u", instances: 1, cores: 2, ram: 512)
                }
                XCTFail("cores are over quota")
            } catch let error as APIError {
                XCTAssertEqual(error.message, "Quota exceeded for cores: Requested 2, but already used 3 of 4 cores")
            }
            do {
                try await cloud.queries { q in
                    try await check.checkServers(q, projectID: "p1", userID: "u", instances: 1, cores: 2, ram: 60000)
                }
                XCTFail("cores and RAM are over quota")
            } catch let error as APIError {
                XCTAssertEqual(
                    error.message, "Quota exceeded for cores, ram: Requested 2, 60000, but already used 3, 1536 of 4, 51200 cores, ram")
            }
            try await cloud.queries { q in
                try await check.checkServers(q, projectID: "p1", userID: "u", instances: 5, cores: 1, ram: 512)
            }
            try await cloud.call(.put, "/v2.1/os-quota-sets/p1?user_id=u", json: ["quota_set": ["instances": 1]])
            try await cloud.instance(project: "p1", user: "u")
            do {
                try await cloud.queries { q in
                    try await check.checkServers(q, projectID: "p1", userID: "u", instances: 1, cores: 0, ram: 0)
                }
                XCTFail("the user's own limit applies")
            } catch let error as APIError {
                XCTAssertEqual(error.message, "Quota exceeded for instances: Requested 1, but already used 1 of 1 instances")
            }
            try await cloud.queries { q in
                try await check.checkServers(q, projectID: "p1", userID: "someone-else", instances: 1, cores: 0, ram: 0)
            }
        }
    }

    func testKeypairQuota() async throws {
        try await ComputeTestCloud.run { cloud in
            let dev = try await cloud.identity.project("dev")
            try await cloud.call(.put, "/v2.1/os-quota-sets/\(dev.id)", json: ["quota_set": ["key_pairs": 1]])
            let first = try await cloud.call(
                .post, "/v2.1/os-keypairs", json: ["keypair": ["name": "k1", "public_key": .string(KeypairTests.ed25519)]],
                token: dev.token)
            XCTAssertEqual(first.status, .created)
            let second = try await cloud.call(
                .post, "/v2.1/os-keypairs", json: ["keypair": ["name": "k2", "public_key": .string(KeypairTests.ed25519)]],
                token: dev.token)
            XCTAssertEqual(second.status, .forbidden)
            XCTAssertEqual(second.message, "Quota exceeded, too many key pairs.")
            let detail = try await cloud.call(.get, "/v2.1/os-quota-sets/\(dev.id)/detail", token: dev.token)
            XCTAssertEqual(detail.json?["quota_set"]?["key_pairs"]?["in_use"]?.intValue, 1)
        }
    }
}
