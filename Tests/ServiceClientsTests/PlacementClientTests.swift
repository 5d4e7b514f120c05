import Foundation
import ServiceClients
import StratusKit
import StratusTestSupport
import XCTest

final class PlacementClientTests: XCTestCase {
    private static func uuid() -> String { UUID().uuidString.lowercased() }

    /// The provider as Placement shows it to the admin, at 1.39.
    private static func show(_ cloud: LiveCloud, _ path: String) async throws -> JSONValue? {
        try await cloud.call(
            .GET, cloud.placementURL + path, token: try await cloud.adminToken(),
            headers: ["OpenStack-API-Version": "placement 1.39"]
        ).json
    }

    func testProvidersInventoriesTraitsAndAggregates() async throws {
        try await LiveCloud.run { cloud in
            let placement = HTTPPlacementClient(session: cloud.session())
            let root = Self.uuid()
            let child = Self.uuid()
            try await placement.ensureResourceProvider(uuid: root, name: "compute-1", parentUUID: nil)
            try await placement.ensureResourceProvider(uuid: root, name: "compute-1", parentUUID: nil)
            try await placement.ensureResourceProvider(uuid: child, name: "compute-1_numa0", parentUUID: root)
            try await placement.ensureResourceProvider(uuid: root, name: "compute-1.example", parentUUID: nil)
            let shownRoot = try await Self.show(cloud, "/resource_providers/\(root)")
            XCTAssertEqual(shownRoot?["name"], "compute-1.example", "an existing provider is renamed")
            let shownChild = try await Self.show(cloud, "/resource_providers/\(child)")
            XCTAssertEqual(shownChild?["parent_provider_uuid"]?.stringValue, root)

            try await placement.setInventories(
                providerUUID: root,
                [
                    "VCPU": PlacementInventory(total: 8, allocationRatio: 4.0),
                    "MEMORY_MB": PlacementInventory(total: 16384, reserved: 512, maxUnit: 8192),
                    "DISK_GB": PlacementInventory(total: 100),
                ])
            let inventories = try await Self.show(cloud, "/resource_providers/\(root)/inventories")
            let ratio = inventories?["inventories"]?["VCPU"]?["allocation_ratio"]
            XCTAssertTrue(ratio == .double(4.0) || ratio == .int(4), "\(String(describing: ratio))")
            XCTAssertEqual(inventories?["inventories"]?["MEMORY_MB"]?["reserved"], .int(512))
            XCTAssertEqual(inventories?["inventories"]?["MEMORY_MB"]?["max_unit"], .int(8192))
            XCTAssertEqual(inventories?["inventories"]?["DISK_GB"]?["max_unit"], .int(100))

            let before = try await Self.show(cloud, "/resource_providers/\(root)/inventories")
            let generationBefore = try XCTUnwrap(before?["resource_provider_generation"]?.intValue)
            // Many writers at once: each generation conflict is re-read and retried.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for total in 1...6 {
                    group.addTask {
                        try await placement.setInventories(
                            providerUUID: root,
                            ["VCPU": PlacementInventory(total: total), "MEMORY_MB": PlacementInventory(total: 4096)])
                    }
                    group.addTask { try await placement.setTraits(providerUUID: root, ["HW_CPU_X86_AVX2", "CUSTOM_RACK_\(total)"]) }
                }
                try await group.waitForAll()
            }
            let afterRace = try await Self.show(cloud, "/resource_providers/\(root)/inventories")
            XCTAssertEqual(afterRace?["inventories"]?.objectValue?.keys.sorted(), ["MEMORY_MB", "VCPU"])
            XCTAssertEqual(
                afterRace?["resource_provider_generation"]?.intValue, generationBefore + 12, "each of the 12 updates applied once")

            try await placement.setTraits(providerUUID: root, ["HW_CPU_X86_AVX2", "CUSTOM_GOLD"])
            let traits = try await Self.show(cloud, "/resource_providers/\(root)/traits")
            XCTAssertEqual(
                traits?["traits"]?.arrayValue?.compactMap(\.stringValue).sorted(), ["CUSTOM_GOLD", "HW_CPU_X86_AVX2"])
            let aggregate = Self.uuid()
            try await placement.setAggregates(providerUUID: root, [aggregate])
            let aggregates = try await Self.show(cloud, "/resource_providers/\(root)/aggregates")
            XCTAssertEqual(aggregates?["aggregates"], [.string(aggregate)])

            do {
                try await placement.setInventories(providerUUID: Self.uuid(), ["VCPU": PlacementInventory(total: 1)])
                XCTFail("an unknown provider has no inventories")
            } catch let error as ServiceClientError {
                XCTAssertEqual(error.service, "placement")
                XCTAssertEqual(error.status, 404)
                XCTAssertTrue(error.message.contains("No resource provider with uuid"), error.message)
            }

            try await placement.setInventories(providerUUID: child, [:])
            try await placement.deleteResourceProvider(uuid: child)
            try await placement.deleteResourceProvider(uuid: child)
            let gone = try await cloud.call(
                .GET, cloud.placementURL + "/resource_providers/\(child)", token: try await cloud.adminToken())
            XCTAssertEqual(gone.status, 404)
        }
    }

    func testCandidatesClaimsConflictsAndRelease() async throws {
        try await LiveCloud.run { cloud in
            let placement = HTTPPlacementClient(session: cloud.session())
            let host = Self.uuid()
            let other = Self.uuid()
            let aggregate = Self.uuid()
            for (uuid, name) in [(host, "compute-1"), (other, "compute-2")] {
                try await placement.ensureResourceProvider(uuid: uuid, name: name, parentUUID: nil)
                try await placement.setInventories(
                    providerUUID: uuid, ["VCPU": PlacementInventory(total: 4), "MEMORY_MB": PlacementInventory(total: 2048)])
            }
            try await placement.setTraits(providerUUID: host, ["CUSTOM_SSD"])
            try await placement.setAggregates(providerUUID: host, [aggregate])

            let both = try await placement.allocationCandidates(
                AllocationCandidateRequest(resources: ["VCPU": 2, "MEMORY_MB": 1024]))
            XCTAssertEqual(both.allocationRequests.count, 2)
            XCTAssertEqual(Set(both.providerSummaries.keys), [host, other])

            let request = AllocationCandidateRequest(
                resources: ["VCPU": 2, "MEMORY_MB": 1024], required: ["CUSTOM_SSD"], memberOf: [[aggregate, Self.uuid()]], limit: 5)
            let candidates = try await placement.allocationCandidates(request)
            XCTAssertEqual(candidates.allocationRequests, [[host: ["VCPU": 2, "MEMORY_MB": 1024]]])
            let summary = try XCTUnwrap(candidates.providerSummaries[host])
            XCTAssertEqual(summary.resources["VCPU"], ProviderResource(capacity: 4, used: 0))
            XCTAssertEqual(summary.traits, ["CUSTOM_SSD"])
            XCTAssertEqual(summary.rootProviderUUID, host)
            XCTAssertNil(summary.parentProviderUUID)
            let forbidden = try await placement.allocationCandidates(
                AllocationCandidateRequest(resources: ["VCPU": 1], forbidden: ["CUSTOM_SSD"]))
            XCTAssertEqual(forbidden.allocationRequests, [[other: ["VCPU": 1]]])
            let inTree = try await placement.allocationCandidates(AllocationCandidateRequest(resources: ["VCPU": 1], inTree: other))
            XCTAssertEqual(inTree.allocationRequests.count, 1)
            let tooBig = try await placement.allocationCandidates(AllocationCandidateRequest(resources: ["VCPU": 5]))
            XCTAssertTrue(tooBig.allocationRequests.isEmpty)

            let project = Self.uuid()
            let user = Self.uuid()
            let server = Self.uuid()
            let claimed = try await placement.claimAllocations(
                consumerUUID: server, allocations: candidates.allocationRequests[0], projectID: project, userID: user,
                consumerGeneration: nil)
            XCTAssertTrue(claimed)
            let (allocations, generation) = try await placement.allocations(consumerUUID: server)
            XCTAssertEqual(allocations, [host: ["VCPU": 2, "MEMORY_MB": 1024]])
            XCTAssertEqual(generation, 1)
            let usages = try await placement.usages(providerUUID: host)
            XCTAssertEqual(usages, ["VCPU": 2, "MEMORY_MB": 1024])

            let stale = try await placement.claimAllocations(
                consumerUUID: server, allocations: [host: ["VCPU": 1, "MEMORY_MB": 512]], projectID: project, userID: user,
                consumerGeneration: nil)
            XCTAssertFalse(stale, "an existing consumer with no generation given is a conflict")
            let second = Self.uuid()
            let overCapacity = try await placement.claimAllocations(
                consumerUUID: second, allocations: [host: ["VCPU": 3]], projectID: project, userID: user, consumerGeneration: nil)
            XCTAssertFalse(overCapacity, "4 VCPU with 2 used leaves no room for 3")
            let resized = try await placement.claimAllocations(
                consumerUUID: server, allocations: [host: ["VCPU": 4, "MEMORY_MB": 2048]], projectID: project, userID: user,
                consumerGeneration: generation)
            XCTAssertTrue(resized)
            let after = try await placement.usages(providerUUID: host)
            XCTAssertEqual(after, ["VCPU": 4, "MEMORY_MB": 2048])

            let none = try await placement.allocations(consumerUUID: Self.uuid())
            XCTAssertEqual(none.allocations, [:])
            XCTAssertNil(none.consumerGeneration)

            try await placement.deleteAllocations(consumerUUID: server)
            try await placement.deleteAllocations(consumerUUID: server)
            let released = try await placement.usages(providerUUID: host)
            XCTAssertEqual(released.values.reduce(0, +), 0)

            let wrongGeneration = try await placement.claimAllocations(
                consumerUUID: Self.uuid(), allocations: [host: ["VCPU": 1]], projectID: project, userID: user,
                consumerGeneration: 7)
            XCTAssertFalse(wrongGeneration, "a new consumer has no generation 7")
            do {
                _ = try await placement.allocationCandidates(AllocationCandidateRequest(resources: ["NOT_A_CLASS": 1]))
                XCTFail("an unknown resource class is refused")
            } catch let error as ServiceClientError {
                XCTAssertEqual(error.status, 400)
                XCTAssertTrue(error.message.contains("NOT_A_CLASS"), error.message)
            }
        }
    }
}
