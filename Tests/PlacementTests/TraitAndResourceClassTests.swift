import StratusKit
import XCTest

@testable import Placement

final class TraitAndResourceClassTests: XCTestCase {
    func testResourceClasses() async throws {
        try await PlacementTestCloud.run { cloud in
            let list = try await cloud.call(.get, "/resource_classes")
            let names = list.json?["resource_classes"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            XCTAssertEqual(Array(names.prefix(3)), ["VCPU", "MEMORY_MB", "DISK_GB"])
            XCTAssertTrue(names.contains("PCPU") && names.contains("SRIOV_NET_VF"))
            XCTAssertEqual(list.json?["resource_classes"]?.arrayValue?.first?["links"], [["rel": "self", "href": "/resource_classes/VCPU"]])

            let created = try await cloud.call(.post, "/resource_classes", json: ["name": "CUSTOM_GOLD"])
            XCTAssertEqual(created.status, .created)
            XCTAssertEqual(created.header("Location"), "/resource_classes/CUSTOM_GOLD")
            try await XCTAssertEqualAsync(try await cloud.call(.post, "/resource_classes", json: ["name": "CUSTOM_GOLD"]).status, .conflict)
            try await XCTAssertEqualAsync(try await cloud.call(.post, "/resource_classes", json: ["name": "GOLD"]).status, .badRequest)
            try await XCTAssertEqualAsync(try await cloud.call(.put, "/resource_classes/CUSTOM_GOLD").status, .noContent)
            try await XCTAssertEqualAsync(try await cloud.call(.put, "/resource_classes/CUSTOM_SILVER").status, .created)
            try await XCTAssertEqualAsync(try await cloud.call(.put, "/resource_classes/VCPU").status, .badRequest)
            try await XCTAssertEqualAsync(try await cloud.call(.get, "/resource_classes/CUSTOM_SILVER").json?["name"], "CUSTOM_SILVER")
            try await XCTAssertEqualAsync(try await cloud.call(.get, "/resource_classes/CUSTOM_BRONZE").status, .notFound)

            let rp = try await cloud.provider("cn1")
            try await cloud.setInventory(rp, ["CUSTOM_GOLD": ["total": 1]])
            try await XCTAssertEqualAsync(try await cloud.call(.delete, "/resource_classes/CUSTOM_GOLD").status, .conflict)
            try await XCTAssertEqualAsync(try await cloud.call(.delete, "/resource_classes/VCPU").status, .badRequest)
            try await XCTAssertEqualAsync(try await cloud.call(.delete, "/resource_classes/CUSTOM_SILVER").status, .noContent)
            try await XCTAssertEqualAsync(try await cloud.call(.delete, "/resource_classes/CUSTOM_SILVER").status, .notFound)
        }
    }

    func testTraitsAndProviderTraits() async throws {
        try await PlacementTestCloud.run { cloud in
            let all = try await cloud.call(.get, "/traits")
            let names = all.json?["traits"]?.arrayValue?.compactMap(\.stringValue) ?? []
            XCTAssertTrue(names.contains("COMPUTE_VOLUME_MULTI_ATTACH") && names.contains("HW_CPU_X86_AVX2"))
            XCTAssertGreaterThan(names.count, 300)
            try await XCTAssertEqualAsync(try await cloud.call(.get, "/traits/HW_CPU_X86_AVX2").status, .noContent)
            try await XCTAssertEqualAsync(try await cloud.call(.put, "/traits/CUSTOM_FAST").status, .created)
            try await XCTAssertEqualAsync(try await cloud.call(.put, "/traits/CUSTOM_FAST").status, .noContent)
            try await XCTAssertEqualAsync(try await cloud.call(.put, "/traits/FAST").status, .badRequest)
            let custom = try await cloud.call(.get, "/traits?name=startswith:CUSTOM_")
            XCTAssertEqual(custom.json?["traits"], ["CUSTOM_FAST"])
            let chosen = try await cloud.call(.get, "/traits?name=in:CUSTOM_FAST,HW_CPU_X86_SSE,NOPE")
            XCTAssertEqual(chosen.json?["traits"], ["CUSTOM_FAST", "HW_CPU_X86_SSE"])

            let rp = try await cloud.provider("cn1")
            let path = "/resource_providers/\(rp)/traits"
            let set = try await cloud.call(
                .put, path, json: ["traits": ["CUSTOM_FAST", "HW_CPU_X86_SSE"], "resource_provider_generation": 0])
            XCTAssertEqual(set.status, .ok)
            XCTAssertEqual(set.json?["resource_provider_generation"], 1)
            let stale = try await cloud.call(.put, path, json: ["traits": [], "resource_provider_generation": 0])
            XCTAssertEqual(stale.status, .conflict)
            XCTAssertEqual(stale.code, "placement.concurrent_update")
            let unknown = try await cloud.call(.put, path, json: ["traits": ["CUSTOM_SLOW"], "resource_provider_generation": 1])
            XCTAssertEqual(unknown.status, .badRequest)
            XCTAssertTrue(unknown.detail.contains("No such trait(s): CUSTOM_SLOW"), unknown.detail)
            try await XCTAssertEqualAsync(try await cloud.call(.get, path).json?["traits"], ["CUSTOM_FAST", "HW_CPU_X86_SSE"])
            let associated = try await cloud.call(.get, "/traits?associated=true")
            XCTAssertEqual(associated.json?["traits"], ["CUSTOM_FAST", "HW_CPU_X86_SSE"])
            try await XCTAssertEqualAsync(try await cloud.call(.delete, "/traits/CUSTOM_FAST").status, .conflict, "in use")
            try await XCTAssertEqualAsync(try await cloud.call(.delete, "/traits/HW_CPU_X86_SSE").status, .badRequest, "standard")
            try await XCTAssertEqualAsync(try await cloud.call(.delete, path).status, .noContent)
            try await XCTAssertEqualAsync(try await cloud.call(.get, path).json?["traits"], [])
            try await XCTAssertEqualAsync(try await cloud.call(.delete, "/traits/CUSTOM_FAST").status, .noContent)
            try await XCTAssertEqualAsync(try await cloud.call(.get, "/traits/CUSTOM_FAST").status, .notFound)
        }
    }

    func testAggregatesBeforeAndAfter119() async throws {
        try await PlacementTestCloud.run { cloud in
            let rp = try await cloud.provider("cn1")
            let path = "/resource_providers/\(rp)/aggregates"
            let (a, b) = (IDGenerator.uuid(), IDGenerator.uuid())
            let old = try await cloud.call(.put, path, version: "1.1", json: [.string(a)])
            XCTAssertEqual(old.status, .ok)
            XCTAssertEqual(old.json, ["aggregates": [.string(a)]])
            let stale = try await cloud.call(.put, path, json: ["aggregates": [.string(b)], "resource_provider_generation": 5])
            XCTAssertEqual(stale.code, "placement.concurrent_update")
            let generation = try await cloud.generation(of: rp)
            let new = try await cloud.call(
                .put, path, json: ["aggregates": [.string(a), .string(b)], "resource_provider_generation": .int(generation)])
            XCTAssertEqual(new.json?["resource_provider_generation"], .int(generation + 1))
            XCTAssertEqual(Set(new.json?["aggregates"]?.arrayValue ?? []), [.string(a), .string(b)])
            try await XCTAssertEqualAsync(try await cloud.call(.get, path, version: "1.0").status, .notFound)
        }
    }
}
