import StratusKit
import XCTest

@testable import Placement

final class InventoryTests: XCTestCase {
    func testInventoriesWithDefaultsGenerationsAndValidation() async throws {
        try await PlacementTestCloud.run { cloud in
            let rp = try await cloud.provider("cn1")
            let path = "/resource_providers/\(rp)/inventories"
            let set = try await cloud.call(
                .put, path,
                json: [
                    "resource_provider_generation": 0,
                    "inventories": ["VCPU": ["total": 8, "allocation_ratio": 16.0], "MEMORY_MB": ["total": 4096, "reserved": 512]],
                ])
            XCTAssertEqual(set.status, .ok)
            XCTAssertEqual(set.json?["resource_provider_generation"], 1)
            let vcpu = try XCTUnwrap(set.json?["inventories"]?["VCPU"])
            XCTAssertEqual(vcpu["reserved"], 0)
            XCTAssertEqual(vcpu["min_unit"], 1)
            XCTAssertEqual(vcpu["max_unit"], 2_147_483_647)
            XCTAssertEqual(vcpu["step_size"], 1)
            XCTAssertEqual(vcpu["allocation_ratio"]?.jsonText(), "16")

            let stale = try await cloud.call(
                .put, path, json: ["resource_provider_generation": 0, "inventories": ["VCPU": ["total": 4]]])
            XCTAssertEqual(stale.status, .conflict)
            XCTAssertEqual(stale.code, "placement.concurrent_update")
            let staleOld = try await cloud.call(
                .put, path, version: "1.22", json: ["resource_provider_generation": 0, "inventories": ["VCPU": ["total": 4]]])
            XCTAssertEqual(staleOld.status, .conflict)
            XCTAssertNil(staleOld.code)

            let one = try await cloud.call(.get, path + "/MEMORY_MB")
            XCTAssertEqual(one.json?["reserved"], 512)
            XCTAssertEqual(one.json?["resource_provider_generation"], 1)
            let update = try await cloud.call(
                .put, path + "/MEMORY_MB", json: ["resource_provider_generation": 1, "total": 8192, "reserved": 0])
            XCTAssertEqual(update.status, .ok)
            XCTAssertEqual(update.json?["total"], 8192)
            XCTAssertEqual(update.json?["resource_provider_generation"], 2)
            try await XCTAssertEqualAsync(try await cloud.call(.get, path + "/DISK_GB").status, .notFound)

            let reservedTooMuch = try await cloud.call(
                .put, path, json: ["resource_provider_generation": 2, "inventories": ["VCPU": ["total": 4, "reserved": 5]]])
            XCTAssertEqual(reservedTooMuch.status, .badRequest)
            XCTAssertTrue(reservedTooMuch.detail.contains("Unable to update inventory"), reservedTooMuch.detail)
            XCTAssertTrue(reservedTooMuch.detail.contains("greater than total"), reservedTooMuch.detail)
            let reservedAll = try await cloud.call(
                .put, path, version: "1.25", json: ["resource_provider_generation": 2, "inventories": ["VCPU": ["total": 4, "reserved": 4]]])
            XCTAssertEqual(reservedAll.status, .badRequest, "reserved may equal total only from 1.26")
            let zeroTotal = try await cloud.call(
                .put, path, json: ["resource_provider_generation": 2, "inventories": ["VCPU": ["total": 0]]])
            XCTAssertEqual(zeroTotal.status, .badRequest)
            let unknownClass = try await cloud.call(
                .put, path, json: ["resource_provider_generation": 2, "inventories": ["CUSTOM_NOPE": ["total": 1]]])
            XCTAssertEqual(unknownClass.status, .badRequest)
            let unknownField = try await cloud.call(
                .put, path, json: ["resource_provider_generation": 2, "inventories": ["VCPU": ["total": 1, "size": 2]]])
            XCTAssertEqual(unknownField.status, .badRequest)

            let conflicting = try await cloud.call(.post, path, json: ["resource_class": "DISK_GB", "total": 256, "reserved": 512])
            XCTAssertEqual(conflicting.status, .badRequest)
            XCTAssertTrue(conflicting.detail.contains("Unable to create inventory for resource provider"), conflicting.detail)
            let created = try await cloud.call(.post, path, json: ["resource_class": "DISK_GB", "total": 100])
            XCTAssertEqual(created.status, .created)
            XCTAssertEqual(created.header("Location"), "/resource_providers/\(rp)/inventories/DISK_GB")
            try await XCTAssertEqualAsync(try await cloud.call(.delete, path + "/DISK_GB").status, .noContent)
            try await XCTAssertEqualAsync(try await cloud.call(.delete, path + "/DISK_GB").status, .notFound)
            try await XCTAssertEqualAsync(try await cloud.call(.delete, path, version: "1.4").status, .notFound, "DELETE of all from 1.5")
            try await XCTAssertEqualAsync(try await cloud.call(.delete, path).status, .noContent)
            let empty = try await cloud.call(.get, path)
            XCTAssertEqual(empty.json?["inventories"], [:])
            XCTAssertEqual(empty.json?["resource_provider_generation"], 5)
        }
    }

    func testInventoryInUseCannotBeRemoved() async throws {
        try await PlacementTestCloud.run { cloud in
            let rp = try await cloud.provider("cn1")
            try await cloud.setInventory(rp, ["VCPU": ["total": 4], "DISK_GB": ["total": 100]])
            let claimed = try await cloud.allocate(IDGenerator.uuid(), [rp: ["VCPU": 2]])
            XCTAssertEqual(claimed.status, .noContent)
            let path = "/resource_providers/\(rp)/inventories"
            let deleteOne = try await cloud.call(.delete, path + "/VCPU")
            XCTAssertEqual(deleteOne.status, .conflict)
            XCTAssertEqual(deleteOne.code, "placement.inventory.inuse")
            let replace = try await cloud.call(
                .put, path,
                json: ["resource_provider_generation": .int(try await cloud.generation(of: rp)), "inventories": ["DISK_GB": ["total": 10]]])
            XCTAssertEqual(replace.status, .conflict)
            XCTAssertEqual(replace.code, "placement.inventory.inuse")
            try await XCTAssertEqualAsync(try await cloud.call(.delete, path + "/DISK_GB").status, .noContent, "unused classes may go")
            let deleteProvider = try await cloud.call(.delete, "/resource_providers/\(rp)")
            XCTAssertEqual(deleteProvider.status, .conflict)
            XCTAssertEqual(deleteProvider.code, "placement.resource_provider.inuse")
        }
    }
}
