import StratusKit
import StratusTestSupport
import XCTest

@testable import Placement

final class ReshaperTests: XCTestCase {
    func testReshapeMovesInventoryAndAllocationsTogether() async throws {
        try await PlacementTestCloud.run { cloud in
            let service = try await cloud.identity.project("services", role: "service")
            let root = try await cloud.provider("cn1")
            try await cloud.setInventory(root, ["VCPU": ["total": 8], "VGPU": ["total": 4]])
            let consumer = IDGenerator.uuid()
            try await XCTAssertEqualAsync(try await cloud.allocate(consumer, [root: ["VCPU": 2, "VGPU": 1]]).status, .noContent)
            let gpu = try await cloud.provider("cn1-pgpu0", parent: root)

            func reshape(rootInventory: JSONValue, rootGeneration: Int64, allocations: JSONValue, token: String? = nil) async throws
                -> PlacementResponse
            {
                try await cloud.call(
                    .post, "/reshaper",
                    json: [
                        "inventories": [
                            root: ["resource_provider_generation": .int(rootGeneration), "inventories": rootInventory],
                            gpu: ["resource_provider_generation": 0, "inventories": ["VGPU": ["total": 4]]],
                        ],
                        "allocations": allocations,
                    ], token: token ?? service.token)
            }
            let moved: JSONValue = [
                consumer: [
                    "allocations": [root: ["resources": ["VCPU": 2]], gpu: ["resources": ["VGPU": 1]]],
                    "project_id": "p1", "user_id": "u1", "consumer_generation": 1, "consumer_type": "INSTANCE",
                ]
            ]
            let generation = try await cloud.generation(of: root)
            let admin = try await reshape(
                rootInventory: ["VCPU": ["total": 8]], rootGeneration: generation, allocations: moved, token: cloud.adminToken)
            XCTAssertEqual(admin.status, .forbidden, "reshaping is for services")
            let early = try await cloud.call(.post, "/reshaper", version: "1.29", json: [:], token: service.token)
            XCTAssertEqual(early.status, .notFound)
            let stale = try await reshape(rootInventory: ["VCPU": ["total": 8]], rootGeneration: generation - 1, allocations: moved)
            XCTAssertEqual(stale.code, "placement.concurrent_update")
            let stranded = try await reshape(rootInventory: ["VCPU": ["total": 8]], rootGeneration: generation, allocations: [:])
            XCTAssertEqual(stranded.status, .conflict, "the VGPU allocation would be left without inventory")
            XCTAssertEqual(stranded.code, "placement.inventory.inuse")
            let unchanged = try await cloud.call(.get, "/resource_providers/\(root)/inventories")
            XCTAssertNotNil(unchanged.json?["inventories"]?["VGPU"], "a refused reshape changes nothing")

            let done = try await reshape(rootInventory: ["VCPU": ["total": 8]], rootGeneration: generation, allocations: moved)
            XCTAssertEqual(done.status, .noContent)
            let allocations = try await cloud.call(.get, "/allocations/\(consumer)")
            XCTAssertEqual(allocations.json?["allocations"]?[gpu]?["resources"], ["VGPU": 1])
            XCTAssertEqual(allocations.json?["allocations"]?[root]?["resources"], ["VCPU": 2])
            XCTAssertEqual(allocations.json?["consumer_generation"], 2)
            try await XCTAssertEqualAsync(
                try await cloud.call(.get, "/resource_providers/\(root)/inventories").json?["inventories"]?.objectValue?.keys.sorted(),
                ["VCPU"])
        }
    }
}
