import StratusKit
import XCTest

@testable import Placement

final class AllocationTests: XCTestCase {
    func testCapacityMinMaxStepAndProviderGenerations() async throws {
        try await PlacementTestCloud.run { cloud in
            let rp = try await cloud.provider("cn1")
            try await cloud.setInventory(
                rp, ["VCPU": ["total": 4, "allocation_ratio": 2.0], "MEMORY_MB": ["total": 2048, "reserved": 512, "step_size": 256, "max_unit": 1024]])
            let first = IDGenerator.uuid()
            let before = try await cloud.generation(of: rp)
            try await XCTAssertEqualAsync(try await cloud.allocate(first, [rp: ["VCPU": 6, "MEMORY_MB": 1024]]).status, .noContent)
            try await XCTAssertEqualAsync(try await cloud.generation(of: rp), before + 1, "allocations move the provider's generation")
            let over = try await cloud.allocate(IDGenerator.uuid(), [rp: ["VCPU": 3]])
            XCTAssertEqual(over.status, .conflict)
            XCTAssertTrue(over.detail.contains("The requested amount would exceed the capacity."), over.detail)
            try await XCTAssertEqualAsync(try await cloud.allocate(IDGenerator.uuid(), [rp: ["VCPU": 2]]).status, .noContent, "(4 - 0) * 2 = 8")
            let step = try await cloud.allocate(IDGenerator.uuid(), [rp: ["MEMORY_MB": 100]])
            XCTAssertEqual(step.status, .conflict)
            XCTAssertTrue(step.detail.contains("violate inventory constraints"), step.detail)
            let memory = try await cloud.allocate(IDGenerator.uuid(), [rp: ["MEMORY_MB": 768]])
            XCTAssertEqual(memory.status, .conflict, "2048 - 512 reserved leaves 1536, 1024 used")
            let noInventory = try await cloud.allocate(IDGenerator.uuid(), [rp: ["DISK_GB": 1]])
            XCTAssertEqual(noInventory.status, .conflict)
            let noProvider = try await cloud.allocate(IDGenerator.uuid(), [IDGenerator.uuid(): ["VCPU": 1]])
            XCTAssertEqual(noProvider.status, .badRequest)

            let usages = try await cloud.call(.get, "/resource_providers/\(rp)/usages")
            XCTAssertEqual(usages.json?["usages"], ["VCPU": 8, "MEMORY_MB": 1024])
            let byProvider = try await cloud.call(.get, "/resource_providers/\(rp)/allocations")
            XCTAssertEqual(byProvider.json?["allocations"]?[first]?["resources"], ["VCPU": 6, "MEMORY_MB": 1024])
            XCTAssertEqual(byProvider.json?["allocations"]?.objectValue?.count, 2)
        }
    }

    func testConsumerGenerationsAndShapesByMicroversion() async throws {
        try await PlacementTestCloud.run { cloud in
            let rp = try await cloud.provider("cn1")
            try await cloud.setInventory(rp, ["VCPU": ["total": 8]])
            let consumer = IDGenerator.uuid()
            try await XCTAssertEqualAsync(try await cloud.allocate(consumer, [rp: ["VCPU": 1]]).status, .noContent)
            let shown = try await cloud.call(.get, "/allocations/\(consumer)")
            XCTAssertEqual(shown.json?["consumer_generation"], 1)
            XCTAssertEqual(shown.json?["project_id"], "p1")
            XCTAssertEqual(shown.json?["consumer_type"], "INSTANCE")
            XCTAssertEqual(shown.json?["allocations"]?[rp]?["resources"], ["VCPU": 1])
            XCTAssertNotNil(shown.json?["allocations"]?[rp]?["generation"]?.intValue)
            let dashless = try await cloud.call(.get, "/allocations/\(consumer.replacingOccurrences(of: "-", with: ""))")
            XCTAssertEqual(dashless.json?["allocations"]?[rp]?["resources"], ["VCPU": 1], "a consumer may be named without dashes")
            try await XCTAssertEqualAsync(try await cloud.call(.get, "/allocations").status, .methodNotAllowed)
            let notUUID = try await cloud.call(
                .put, "/allocations/not-a-uuid",
                json: ["allocations": [:], "project_id": "p", "user_id": "u", "consumer_generation": .null, "consumer_type": "INSTANCE"])
            XCTAssertEqual(notUUID.status, .badRequest)
            let shownOld = try await cloud.call(.get, "/allocations/\(consumer)", version: "1.0")
            XCTAssertNil(shownOld.json?["project_id"])

            let asNew = try await cloud.allocate(consumer, [rp: ["VCPU": 2]])
            XCTAssertEqual(asNew.status, .conflict)
            XCTAssertEqual(asNew.code, "placement.concurrent_update")
            let stale = try await cloud.allocate(consumer, [rp: ["VCPU": 2]], generation: 0)
            XCTAssertEqual(stale.code, "placement.concurrent_update")
            try await XCTAssertEqualAsync(try await cloud.allocate(consumer, [rp: ["VCPU": 2]], generation: 1).status, .noContent)
            let missingGeneration = try await cloud.call(
                .put, "/allocations/\(consumer)", version: "1.28",
                json: ["allocations": [rp: ["resources": ["VCPU": 1]]], "project_id": "p1", "user_id": "u1"])
            XCTAssertEqual(missingGeneration.status, .badRequest, "consumer_generation is required from 1.28")

            let legacy = IDGenerator.uuid()
            let listForm = try await cloud.call(
                .put, "/allocations/\(legacy)", version: "1.0",
                json: ["allocations": [["resource_provider": ["uuid": .string(rp)], "resources": ["VCPU": 1]]]])
            XCTAssertEqual(listForm.status, .noContent)
            let needsProject = try await cloud.call(
                .put, "/allocations/\(legacy)", version: "1.8",
                json: ["allocations": [["resource_provider": ["uuid": .string(rp)], "resources": ["VCPU": 1]]]])
            XCTAssertEqual(needsProject.status, .badRequest)

            let emptied = try await cloud.call(
                .put, "/allocations/\(consumer)",
                json: ["allocations": [:], "project_id": "p1", "user_id": "u1", "consumer_generation": 2, "consumer_type": "INSTANCE"])
            XCTAssertEqual(emptied.status, .noContent, "an empty set removes the allocations from 1.28")
            try await XCTAssertEqualAsync(try await cloud.call(.get, "/allocations/\(consumer)").json?["allocations"], [:])
            try await XCTAssertEqualAsync(try await cloud.call(.delete, "/allocations/\(legacy)").status, .noContent)
            let again = try await cloud.call(.delete, "/allocations/\(legacy)")
            XCTAssertEqual(again.status, .notFound)
            XCTAssertTrue(again.detail.contains("No allocations for consumer '\(legacy)'"), again.detail)
        }
    }

    func testPostAllocationsIsAllOrNothing() async throws {
        try await PlacementTestCloud.run { cloud in
            let rp = try await cloud.provider("cn1")
            try await cloud.setInventory(rp, ["VCPU": ["total": 4]])
            let (a, b, c) = (IDGenerator.uuid(), IDGenerator.uuid(), IDGenerator.uuid())
            func entry(_ amount: Int64) -> JSONValue {
                [
                    "allocations": [rp: ["resources": ["VCPU": .int(amount)]]], "project_id": "p1", "user_id": "u1",
                    "consumer_generation": .null, "consumer_type": "INSTANCE",
                ]
            }
            let tooMuch = try await cloud.call(.post, "/allocations", json: [a: entry(2), b: entry(3)])
            XCTAssertEqual(tooMuch.status, .conflict)
            try await XCTAssertEqualAsync(try await cloud.call(.get, "/allocations/\(a)").json?["allocations"], [:], "nothing was written")
            try await XCTAssertEqualAsync(try await cloud.call(.post, "/allocations", json: [a: entry(2), b: entry(2)]).status, .noContent)
            try await XCTAssertEqualAsync(try await cloud.call(.post, "/allocations", version: "1.12", json: [a: entry(1)]).status, .notFound)
            // Moving b's claim to c in one request (as a migration does).
            var moveB = entry(0).objectValue!
            moveB["allocations"] = [:]
            moveB["consumer_generation"] = 1
            let move = try await cloud.call(.post, "/allocations", json: [b: .object(moveB), c: entry(2)])
            XCTAssertEqual(move.status, .noContent)
            try await XCTAssertEqualAsync(try await cloud.call(.get, "/resource_providers/\(rp)/usages").json?["usages"], ["VCPU": 4])
        }
    }

    func testConcurrentClaimsCannotOversubscribe() async throws {
        try await PlacementTestCloud.run { cloud in
            let rp = try await cloud.provider("cn1")
            try await cloud.setInventory(rp, ["VCPU": ["total": 5]])
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<12 {
                    group.addTask { Int(try await cloud.allocate(IDGenerator.uuid(), [rp: ["VCPU": 1]]).status.code) }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            XCTAssertEqual(statuses.filter { $0 == 204 }.count, 5)
            XCTAssertEqual(statuses.filter { $0 == 409 }.count, 7)
            try await XCTAssertEqualAsync(try await cloud.call(.get, "/resource_providers/\(rp)/usages").json?["usages"], ["VCPU": 5])
        }
    }

    func testProjectUsagesByConsumerType() async throws {
        try await PlacementTestCloud.run { cloud in
            let rp = try await cloud.provider("cn1")
            try await cloud.setInventory(rp, ["VCPU": ["total": 16], "MEMORY_MB": ["total": 8192]])
            try await cloud.allocate(IDGenerator.uuid(), [rp: ["VCPU": 2, "MEMORY_MB": 1024]], project: "pa", user: "ua")
            try await cloud.allocate(IDGenerator.uuid(), [rp: ["VCPU": 1]], project: "pa", user: "ub")
            try await cloud.allocate(IDGenerator.uuid(), [rp: ["VCPU": 4]], project: "pa", user: "ua", type: "MIGRATION")
            try await cloud.allocate(IDGenerator.uuid(), [rp: ["VCPU": 8]], project: "pb", user: "uc")
            let old = try await cloud.call(.get, "/usages?project_id=pa", version: "1.9")
            XCTAssertEqual(old.json?["usages"], ["VCPU": 7, "MEMORY_MB": 1024])
            let user = try await cloud.call(.get, "/usages?project_id=pa&user_id=ua", version: "1.9")
            XCTAssertEqual(user.json?["usages"], ["VCPU": 6, "MEMORY_MB": 1024])
            let typed = try await cloud.call(.get, "/usages?project_id=pa")
            XCTAssertEqual(typed.json?["usages"]?["INSTANCE"], ["VCPU": 3, "MEMORY_MB": 1024, "consumer_count": 2])
            XCTAssertEqual(typed.json?["usages"]?["MIGRATION"], ["VCPU": 4, "consumer_count": 1])
            let onlyMigrations = try await cloud.call(.get, "/usages?project_id=pa&consumer_type=MIGRATION")
            XCTAssertEqual(onlyMigrations.json?["usages"]?.objectValue?.keys.sorted(), ["MIGRATION"])
            try await XCTAssertEqualAsync(try await cloud.call(.get, "/usages").status, .badRequest)
        }
    }
}
