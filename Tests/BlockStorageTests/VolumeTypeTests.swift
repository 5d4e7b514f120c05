import Foundation
import StratusKit
import StratusTestSupport
import XCTest

@testable import BlockStorage

/// Volume types, extra specs and access; quotas and limits; zones, services and pools.
final class VolumeTypeTests: XCTestCase {
    func testAdminsManageTypesAndMembersSeeOnlyWhatIsSharedWithThem() async throws {
        try await BlockStorageLiveCloud.run { live in
            let created = try await live.call(
                .POST, "/types",
                json: ["volume_type": ["name": "secret", "os-volume-type-access:is_public": false, "description": .null]],
                version: nil)
            XCTAssertEqual(created.status, 200)
            let typeID = try XCTUnwrap(created.json?["volume_type"]?["id"]?.stringValue)
            XCTAssertEqual(created.json?["volume_type"]?["os-volume-type-access:is_public"]?.boolValue, false)
            let duplicate = try await live.call(.POST, "/types", json: ["volume_type": ["name": "secret"]], version: nil)
            XCTAssertEqual(duplicate.status, 409)
            XCTAssertEqual(duplicate.json?["conflictingRequest"]?["message"]?.stringValue, "Volume Type secret already exists.")

            let specs = try await live.call(
                .POST, "/types/\(typeID)/extra_specs", json: ["extra_specs": ["storage_tier": "gold", "multiattach": "<is> True"]],
                version: nil)
            XCTAssertEqual(specs.status, 200)
            XCTAssertEqual(specs.json?["extra_specs"]?["storage_tier"]?.stringValue, "gold")

            let project = try await live.cloud.project("typed")
            let member = try await live.cloud.user("tim", projectID: project, role: "member")
            let hidden = try await live.call(.GET, "/types?is_public=none", token: member, project: project, version: nil)
            XCTAssertEqual(hidden.json?["volume_types"]?.arrayValue?.map { $0["name"]?.stringValue }, ["__DEFAULT__"])
            let checked1 = try await live.call(.GET, "/types/\(typeID)", token: member, project: project, version: nil).status
            XCTAssertEqual(checked1, 404)
            let refused = try await live.call(
                .POST, "/types", token: member, project: project, json: ["volume_type": ["name": "mine"]], version: nil)
            XCTAssertEqual(refused.status, 403)

            let share = try await live.call(
                .POST, "/types/\(typeID)/action", json: ["addProjectAccess": ["project": .string(project)]], version: nil)
            XCTAssertEqual(share.status, 202)
            let access = try await live.call(.GET, "/types/\(typeID)/os-volume-type-access", version: nil)
            XCTAssertEqual(access.json?["volume_type_access"]?.arrayValue?.first?["project_id"]?.stringValue, project)
            let seen = try await live.call(.GET, "/types/\(typeID)", token: member, project: project, version: nil)
            XCTAssertEqual(seen.status, 200)
            XCTAssertEqual(
                seen.json?["volume_type"]?["extra_specs"]?.objectValue?.keys.sorted(), ["multiattach"],
                "members see only the user-visible specs")
            let volume = try await live.createVolume(["size": 1, "volume_type": "secret"], token: member, project: project)
            XCTAssertEqual(volume["multiattach"]?.boolValue, true)

            let inUse = try await live.call(.DELETE, "/types/\(typeID)", version: nil)
            XCTAssertEqual(inUse.status, 400)
            let defaultType = try await live.call(.GET, "/types/default", version: nil)
            XCTAssertEqual(defaultType.json?["volume_type"]?["name"]?.stringValue, "__DEFAULT__")
            let defaultID = try XCTUnwrap(defaultType.json?["volume_type"]?["id"]?.stringValue)
            let checked2 = try await live.call(.DELETE, "/types/\(defaultID)", version: nil).status
            XCTAssertEqual(checked2, 400)
            let renamed = try await live.call(
                .PUT, "/types/\(typeID)", json: ["volume_type": ["name": "secret2", "os-volume-type-access:is_public": true]],
                version: nil)
            XCTAssertEqual(renamed.json?["volume_type"]?["name"]?.stringValue, "secret2")
            XCTAssertEqual(renamed.json?["volume_type"]?["is_public"]?.boolValue, true)
        }
    }

    func testQuotaSetsShowUsageAndDefaultsAndLimitsCountWhatIsUsed() async throws {
        try await BlockStorageLiveCloud.run { live in
            _ = try await live.createVolume(["size": 2])
            let usage = try await live.call(.GET, "/os-quota-sets/\(live.adminProjectID)?usage=True", version: nil)
            XCTAssertEqual(usage.json?["quota_set"]?["volumes"]?["in_use"]?.intValue, 1)
            XCTAssertEqual(usage.json?["quota_set"]?["gigabytes"]?["in_use"]?.intValue, 2)
            XCTAssertEqual(usage.json?["quota_set"]?["gigabytes___DEFAULT__"]?["in_use"]?.intValue, 2)
            let plain = try await live.call(.GET, "/os-quota-sets/\(live.adminProjectID)?usage=False", version: nil)
            XCTAssertEqual(plain.json?["quota_set"]?["volumes"]?.intValue, 10)
            let defaults = try await live.call(.GET, "/os-quota-sets/\(live.adminProjectID)/defaults", version: nil)
            XCTAssertEqual(defaults.json?["quota_set"]?["gigabytes"]?.intValue, 1000)
            let bad = try await live.call(
                .PUT, "/os-quota-sets/\(live.adminProjectID)", json: ["quota_set": ["volumes": -5]], version: nil)
            XCTAssertEqual(bad.status, 400)
            let unknown = try await live.call(
                .PUT, "/os-quota-sets/\(live.adminProjectID)", json: ["quota_set": ["cores": 5]], version: nil)
            XCTAssertEqual(unknown.status, 400)
            let gigabytes = try await live.call(
                .PUT, "/os-quota-sets/\(live.adminProjectID)", json: ["quota_set": ["gigabytes": 3]], version: nil)
            XCTAssertEqual(gigabytes.status, 200)
            let tooBig = try await live.call(.POST, "/volumes", json: ["volume": ["size": 2]])
            XCTAssertEqual(tooBig.status, 413)
            XCTAssertEqual(
                tooBig.json?["overLimit"]?["message"]?.stringValue,
                "VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested 2G, quota is 3G and 2G has been consumed.")
            let limits = try await live.call(.GET, "/limits", version: "3.39")
            XCTAssertEqual(limits.json?["limits"]?["absolute"]?["totalVolumesUsed"]?.intValue, 1)
            XCTAssertEqual(limits.json?["limits"]?["absolute"]?["maxTotalVolumeGigabytes"]?.intValue, 3)

            let project = try await live.cloud.project("q")
            let member = try await live.cloud.user("quinn", projectID: project, role: "member")
            let refused = try await live.call(
                .PUT, "/os-quota-sets/\(project)", token: member, project: project, json: ["quota_set": ["volumes": 50]],
                version: nil)
            XCTAssertEqual(refused.status, 403)
            let others = try await live.call(
                .GET, "/os-quota-sets/\(live.adminProjectID)", token: member, project: project, version: nil)
            XCTAssertEqual(others.status, 403)
        }
    }

    func testZonesServicesAndPoolsDescribeTheBackEnd() async throws {
        try await BlockStorageLiveCloud.run { live in
            let zones = try await live.call(.GET, "/os-availability-zone", version: nil)
            XCTAssertEqual(zones.json?["availabilityZoneInfo"]?.arrayValue?.first?["zoneName"]?.stringValue, "nova")
            let services = try await live.call(.GET, "/os-services", version: "3.32")
            let binaries = services.json?["services"]?.arrayValue?.map { "\($0["binary"]?.stringValue ?? "")@\($0["state"]?.stringValue ?? "")" }
            XCTAssertEqual(binaries?.sorted(), ["cinder-backup@up", "cinder-scheduler@up", "cinder-volume@up"])
            let pools = try await live.call(.GET, "/scheduler-stats/get_pools?detail=True", version: nil)
            let byName = Dictionary(
                uniqueKeysWithValues: (pools.json?["pools"]?.arrayValue ?? []).compactMap { pool in
                    pool["name"]?.stringValue.map { ($0, pool["capabilities"] ?? .null) }
                })
            XCTAssertEqual(byName.keys.sorted(), ["stratus@file#thick", "stratus@file#thin"])
            XCTAssertEqual(byName["stratus@file#thin"]?["total_capacity_gb"]?.intValue, 40)
            XCTAssertEqual(byName["stratus@file#thick"]?["thin_provisioning_support"]?.boolValue, false)
            XCTAssertEqual(byName["stratus@file#thick"]?["storage_tier"]?.stringValue, "gold")
            let project = try await live.cloud.project("p")
            let member = try await live.cloud.user("pat", projectID: project, role: "member")
            let checked3 = try await live.call(.GET, "/scheduler-stats/get_pools", token: member, project: project).status
            XCTAssertEqual(checked3, 403)
            let checked4 = try await live.call(.GET, "/os-services", token: member, project: project).status
            XCTAssertEqual(checked4, 403)
        }
    }
}
