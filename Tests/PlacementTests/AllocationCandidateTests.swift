import StratusKit
import StratusTestSupport
import XCTest

@testable import Placement

final class AllocationCandidateTests: XCTestCase {
    static func candidates(_ cloud: PlacementClient, _ query: String, version: String = "latest") async throws -> JSONValue {
        let response = try await cloud.call(.get, "/allocation_candidates?\(query)", version: version)
        guard response.status == .ok, let json = response.json else {
            throw TestFailure("\(query): \(response.status) \(String(describing: response.json))")
        }
        return json
    }

    static func providers(_ json: JSONValue) -> [Set<String>] {
        (json["allocation_requests"]?.arrayValue ?? []).map { Set($0["allocations"]?.objectValue?.keys.map { $0 } ?? []) }
    }

    func testFlatProvidersTraitsAggregatesAndLimits() async throws {
        try await PlacementTestCloud.run { cloud in
            let cn1 = try await cloud.provider("cn1")
            let cn2 = try await cloud.provider("cn2")
            let full = try await cloud.provider("full")
            for rp in [cn1, cn2, full] { try await cloud.setInventory(rp, ["VCPU": ["total": 4], "MEMORY_MB": ["total": 4096]]) }
            try await cloud.allocate(IDGenerator.uuid(), [full: ["VCPU": 4]])
            _ = try await cloud.call(
                .put, "/resource_providers/\(cn2)/traits", json: ["traits": ["HW_CPU_X86_AVX2"], "resource_provider_generation": 1])

            let any = try await Self.candidates(cloud, "resources=VCPU:1,MEMORY_MB:512")
            XCTAssertEqual(Set(Self.providers(any)), [[cn1], [cn2]], "the full provider is left out")
            let request = try XCTUnwrap(any["allocation_requests"]?.arrayValue?.first(where: { $0["allocations"]?[cn1] != nil }))
            XCTAssertEqual(request["allocations"]?[cn1]?["resources"], ["VCPU": 1, "MEMORY_MB": 512])
            XCTAssertEqual(request["mappings"], ["": [.string(cn1)]])
            let summary = try XCTUnwrap(any["provider_summaries"]?[cn2])
            XCTAssertEqual(summary["resources"]?["VCPU"], ["capacity": 4, "used": 0])
            XCTAssertEqual(summary["traits"], ["HW_CPU_X86_AVX2"])
            XCTAssertEqual(summary["root_provider_uuid"]?.stringValue, cn2)

            try await XCTAssertEqualAsync(Self.providers(try await Self.candidates(cloud, "resources=VCPU:1&required=HW_CPU_X86_AVX2")), [[cn2]])
            try await XCTAssertEqualAsync(Self.providers(try await Self.candidates(cloud, "resources=VCPU:1&required=!HW_CPU_X86_AVX2")), [[cn1]])
            try await XCTAssertEqualAsync(try await Self.candidates(cloud, "resources=VCPU:1&limit=1")["allocation_requests"]?.arrayValue?.count, 1)
            try await XCTAssertEqualAsync(try await Self.candidates(cloud, "resources=VCPU:5")["allocation_requests"], [])

            let aggregate = IDGenerator.uuid()
            _ = try await cloud.call(
                .put, "/resource_providers/\(cn1)/aggregates",
                json: ["aggregates": [.string(aggregate)], "resource_provider_generation": .int(try await cloud.generation(of: cn1))])
            try await XCTAssertEqualAsync(Self.providers(try await Self.candidates(cloud, "resources=VCPU:1&member_of=\(aggregate)")), [[cn1]])
            try await XCTAssertEqualAsync(Self.providers(try await Self.candidates(cloud, "resources=VCPU:1&member_of=!\(aggregate)")), [[cn2]])

            let old = try await Self.candidates(cloud, "resources=VCPU:1", version: "1.10")
            let oldRequest = try XCTUnwrap(old["allocation_requests"]?.arrayValue?.first)
            XCTAssertNotNil(oldRequest["allocations"]?.arrayValue?.first?["resource_provider"]?["uuid"], "list form before 1.12")
            let oldSummary = try XCTUnwrap(old["provider_summaries"]?[cn1])
            XCTAssertNil(oldSummary["traits"])
            XCTAssertNil(oldSummary["resources"]?["MEMORY_MB"], "only requested classes before 1.27")

            try await XCTAssertEqualAsync(Self.providers(try await Self.candidates(cloud, "resources=VCPU:1&root_required=HW_CPU_X86_AVX2")), [[cn2]])
            try await XCTAssertEqualAsync(Self.providers(try await Self.candidates(cloud, "resources=VCPU:1&root_required=!HW_CPU_X86_AVX2")), [[cn1]])
            let rootRequiredEarly = try await cloud.call(
                .get, "/allocation_candidates?resources=VCPU:1&root_required=HW_CPU_X86_AVX2", version: "1.34")
            XCTAssertEqual(rootRequiredEarly.status, .badRequest, "root_required arrives in 1.35")
            let twice = try await cloud.call(.get, "/allocation_candidates?resources=VCPU:1&resources=MEMORY_MB:1")
            XCTAssertEqual(twice.status, .badRequest)
            XCTAssertEqual(twice.code, "placement.query.duplicate_key")

            let noResources = try await cloud.call(.get, "/allocation_candidates?required=HW_CPU_X86_AVX2")
            XCTAssertEqual(noResources.status, .badRequest)
            try await XCTAssertEqualAsync(try await cloud.call(.get, "/allocation_candidates?resources=NOPE:1").status, .badRequest)
            try await XCTAssertEqualAsync(try await cloud.call(.get, "/allocation_candidates?resources=VCPU:1&bogus=1").status, .badRequest)
        }
    }

    func testNestedTreesGranularGroupsAndSharing() async throws {
        try await PlacementTestCloud.run { cloud in
            let root = try await cloud.provider("compute")
            let pf1 = try await cloud.provider("pf1", parent: root)
            let pf2 = try await cloud.provider("pf2", parent: root)
            try await cloud.setInventory(root, ["VCPU": ["total": 8], "MEMORY_MB": ["total": 8192]])
            for pf in [pf1, pf2] { try await cloud.setInventory(pf, ["SRIOV_NET_VF": ["total": 2]]) }

            let spread = try await Self.candidates(cloud, "resources=VCPU:1,SRIOV_NET_VF:1")
            XCTAssertEqual(Set(Self.providers(spread)), [[root, pf1], [root, pf2]], "one group spreads over the tree")
            XCTAssertEqual(spread["provider_summaries"]?.objectValue?.count, 3)
            XCTAssertEqual(spread["provider_summaries"]?[pf1]?["parent_provider_uuid"]?.stringValue, root)
            try await XCTAssertEqualAsync(try await Self.candidates(cloud, "resources=VCPU:1,SRIOV_NET_VF:1", version: "1.28")["allocation_requests"], [],
                "nested providers take part from 1.29")

            let granular = "resources=VCPU:1&resources1=SRIOV_NET_VF:1&resources2=SRIOV_NET_VF:1"
            let missingPolicy = try await cloud.call(.get, "/allocation_candidates?\(granular)")
            XCTAssertEqual(missingPolicy.status, .badRequest)
            let isolated = try await Self.candidates(cloud, granular + "&group_policy=isolate")
            XCTAssertEqual(Set(Self.providers(isolated)), [[root, pf1, pf2]])
            XCTAssertEqual(isolated["allocation_requests"]?.arrayValue?.count, 2, "pf1/pf2 or pf2/pf1 for groups 1 and 2")
            let mapping = try XCTUnwrap(isolated["allocation_requests"]?.arrayValue?.first?["mappings"])
            XCTAssertEqual(mapping[""], [.string(root)])
            let shared = try await Self.candidates(cloud, granular + "&group_policy=none")
            XCTAssertEqual(shared["allocation_requests"]?.arrayValue?.count, 4)
            let both = try XCTUnwrap(shared["allocation_requests"]?.arrayValue?.first(where: { $0["allocations"]?[pf2] == nil }))
            XCTAssertEqual(both["allocations"]?[pf1]?["resources"], ["SRIOV_NET_VF": 2], "two groups on one provider add up")
            try await XCTAssertEqualAsync(try await Self.candidates(cloud, "resources1=SRIOV_NET_VF:3")["allocation_requests"], [])
            try await XCTAssertEqualAsync(
                Set(Self.providers(try await Self.candidates(cloud, "resources=SRIOV_NET_VF:1&in_tree=\(pf2)"))), [[pf1], [pf2]],
                "in_tree names the whole tree")

            let storage = try await cloud.provider("storage")
            try await cloud.setInventory(storage, ["DISK_GB": ["total": 1000]])
            let aggregate = IDGenerator.uuid()
            for rp in [root, storage] {
                _ = try await cloud.call(
                    .put, "/resource_providers/\(rp)/aggregates",
                    json: ["aggregates": [.string(aggregate)], "resource_provider_generation": .int(try await cloud.generation(of: rp))])
            }
            try await XCTAssertEqualAsync(try await Self.candidates(cloud, "resources=VCPU:1,DISK_GB:10")["allocation_requests"], [], "not shared yet")
            _ = try await cloud.call(
                .put, "/resource_providers/\(storage)/traits",
                json: ["traits": ["MISC_SHARES_VIA_AGGREGATE"], "resource_provider_generation": .int(try await cloud.generation(of: storage))])
            try await XCTAssertEqualAsync(Set(Self.providers(try await Self.candidates(cloud, "resources=VCPU:1,DISK_GB:10"))), [[root, storage]])
        }
    }

    func testSameSubtreeWithAResourcelessGroup() async throws {
        try await PlacementTestCloud.run { cloud in
            for trait in ["CUSTOM_PHYSNET_A", "CUSTOM_PHYSNET_B"] { _ = try await cloud.call(.put, "/traits/\(trait)") }
            let root = try await cloud.provider("compute")
            let nic1 = try await cloud.provider("nic1", parent: root)
            let nic2 = try await cloud.provider("nic2", parent: root)
            let pf1 = try await cloud.provider("pf1", parent: nic1)
            let pf2 = try await cloud.provider("pf2", parent: nic2)
            try await cloud.setInventory(root, ["VCPU": ["total": 4]])
            for pf in [pf1, pf2] { try await cloud.setInventory(pf, ["SRIOV_NET_VF": ["total": 2]]) }
            for (nic, trait) in [(nic1, "CUSTOM_PHYSNET_A"), (nic2, "CUSTOM_PHYSNET_B")] {
                _ = try await cloud.call(
                    .put, "/resource_providers/\(nic)/traits", json: ["traits": [.string(trait)], "resource_provider_generation": 0])
            }
            let query = "resources_COMPUTE=VCPU:1&required_NIC=CUSTOM_PHYSNET_A&resources_PORT=SRIOV_NET_VF:1&group_policy=none"
            let orphan = try await cloud.call(.get, "/allocation_candidates?\(query)")
            XCTAssertEqual(orphan.status, .badRequest, "a group without resources needs same_subtree")
            let early = try await cloud.call(.get, "/allocation_candidates?\(query)&same_subtree=_NIC,_PORT", version: "1.35")
            XCTAssertEqual(early.status, .badRequest)
            let unknown = try await cloud.call(.get, "/allocation_candidates?\(query)&same_subtree=_NIC,_OTHER")
            XCTAssertEqual(unknown.status, .badRequest)
            let found = try await Self.candidates(cloud, query + "&same_subtree=_NIC,_PORT")
            let requests = found["allocation_requests"]?.arrayValue ?? []
            XCTAssertEqual(requests.count, 1, "only the VF under the PHYSNET_A NIC")
            XCTAssertEqual(requests.first?["allocations"]?[pf1]?["resources"], ["SRIOV_NET_VF": 1])
            XCTAssertNil(requests.first?["allocations"]?[nic1], "the resourceless group allocates nothing")
            XCTAssertEqual(requests.first?["mappings"], ["_COMPUTE": [.string(root)], "_NIC": [.string(nic1)], "_PORT": [.string(pf1)]])
            let without = try await Self.candidates(cloud, "resources_COMPUTE=VCPU:1&resources_PORT=SRIOV_NET_VF:1&group_policy=none")
            XCTAssertEqual(without["allocation_requests"]?.arrayValue?.count, 2)
        }
    }
}
