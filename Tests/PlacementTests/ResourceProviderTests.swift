import StratusKit
import XCTest

@testable import Placement

final class ResourceProviderTests: XCTestCase {
    func testCreateShowListUpdateDeleteAcrossMicroversions() async throws {
        try await PlacementTestCloud.run { cloud in
            let old = try await cloud.call(.post, "/resource_providers", version: "1.0", json: ["name": "cn1"])
            XCTAssertEqual(old.status, .created)
            XCTAssertNil(old.json, "before 1.20 the body is empty")
            let location = try XCTUnwrap(old.header("Location"))
            XCTAssertTrue(location.hasPrefix("/resource_providers/"))
            let shownOld = try await cloud.call(.get, location, version: "1.0")
            XCTAssertEqual(shownOld.json?["name"], "cn1")
            XCTAssertEqual(shownOld.json?["generation"], 0)
            XCTAssertNil(shownOld.json?["root_provider_uuid"], "tree fields from 1.14")
            XCTAssertEqual(shownOld.json?["links"]?.arrayValue?.count, 3)
            let shownNew = try await cloud.call(.get, location)
            XCTAssertEqual(shownNew.json?["links"]?.arrayValue?.count, 6)
            let uuid = try XCTUnwrap(shownNew.json?["uuid"]?.stringValue)
            XCTAssertEqual(shownNew.json?["root_provider_uuid"]?.stringValue, uuid)
            XCTAssertEqual(shownNew.json?["parent_provider_uuid"], .null)

            let duplicate = try await cloud.call(.post, "/resource_providers", json: ["name": "cn1"])
            XCTAssertEqual(duplicate.status, .conflict)
            XCTAssertEqual(duplicate.code, "placement.duplicate_name")
            XCTAssertTrue(duplicate.detail.contains("Conflicting resource provider name: cn1 already exists."), duplicate.detail)
            let unknown = try await cloud.call(.post, "/resource_providers", json: ["name": "x", "colour": "red"])
            XCTAssertEqual(unknown.status, .badRequest)
            let chosen = "8d3a52f9-1111-4c1e-9a52-0a8b9e7f3a10"
            try await XCTAssertEqualAsync(try await cloud.provider("cn2", uuid: chosen), chosen)

            let renamed = try await cloud.call(.put, "/resource_providers/\(uuid)", json: ["name": "compute-1"])
            XCTAssertEqual(renamed.status, .ok)
            XCTAssertEqual(renamed.json?["name"], "compute-1")
            XCTAssertEqual(renamed.json?["generation"], 0, "a rename does not move the generation")
            let byName = try await cloud.call(.get, "/resource_providers?name=compute-1")
            XCTAssertEqual(byName.json?["resource_providers"]?.arrayValue?.map { $0["uuid"] }, [.string(uuid)])
            let all = try await cloud.call(.get, "/resource_providers")
            XCTAssertEqual(all.json?["resource_providers"]?.arrayValue?.count, 2)

            try await XCTAssertEqualAsync(try await cloud.call(.delete, "/resource_providers/\(uuid)").status, .noContent)
            let gone = try await cloud.call(.get, "/resource_providers/\(uuid)")
            XCTAssertEqual(gone.status, .notFound)
            XCTAssertTrue(gone.detail.contains("No resource provider with uuid \(uuid) found"), gone.detail)
        }
    }

    func testTreesParentsAndReparenting() async throws {
        try await PlacementTestCloud.run { cloud in
            let root = try await cloud.provider("root")
            let child = try await cloud.provider("numa0", parent: root)
            let grandchild = try await cloud.provider("pf0", parent: child)
            let other = try await cloud.provider("other")
            let shown = try await cloud.call(.get, "/resource_providers/\(grandchild)")
            XCTAssertEqual(shown.json?["root_provider_uuid"]?.stringValue, root)
            XCTAssertEqual(shown.json?["parent_provider_uuid"]?.stringValue, child)
            let tree = try await cloud.call(.get, "/resource_providers?in_tree=\(child)")
            XCTAssertEqual(Set(tree.json?["resource_providers"]?.arrayValue?.compactMap { $0["uuid"]?.stringValue } ?? []), [root, child, grandchild])

            let missingParent = try await cloud.call(
                .post, "/resource_providers", json: ["name": "orphan", "parent_provider_uuid": .string(IDGenerator.uuid())])
            XCTAssertEqual(missingParent.status, .badRequest)

            let refused = try await cloud.call(
                .put, "/resource_providers/\(child)", version: "1.36", json: ["name": "numa0", "parent_provider_uuid": .string(other)])
            XCTAssertEqual(refused.status, .badRequest, "re-parenting needs 1.37")
            let loop = try await cloud.call(
                .put, "/resource_providers/\(child)", json: ["name": "numa0", "parent_provider_uuid": .string(grandchild)])
            XCTAssertEqual(loop.status, .badRequest)
            XCTAssertTrue(loop.detail.contains("creating loop"), loop.detail)
            let moved = try await cloud.call(
                .put, "/resource_providers/\(child)", json: ["name": "numa0", "parent_provider_uuid": .string(other)])
            XCTAssertEqual(moved.status, .ok)
            XCTAssertEqual(moved.json?["root_provider_uuid"]?.stringValue, other)
            let movedGrandchild = try await cloud.call(.get, "/resource_providers/\(grandchild)")
            XCTAssertEqual(movedGrandchild.json?["root_provider_uuid"]?.stringValue, other, "the subtree moves along")

            let parentDelete = try await cloud.call(.delete, "/resource_providers/\(child)")
            XCTAssertEqual(parentDelete.status, .conflict)
            XCTAssertEqual(parentDelete.code, "placement.resource_provider.cannot_delete_parent")
            let unparented = try await cloud.call(
                .put, "/resource_providers/\(grandchild)", json: ["name": "pf0", "parent_provider_uuid": .null])
            XCTAssertEqual(unparented.json?["root_provider_uuid"]?.stringValue, grandchild)
            try await XCTAssertEqualAsync(try await cloud.call(.delete, "/resource_providers/\(child)").status, .noContent)
        }
    }

    func testListFiltersByResourcesTraitsAndAggregates() async throws {
        try await PlacementTestCloud.run { cloud in
            let small = try await cloud.provider("small")
            let big = try await cloud.provider("big")
            try await cloud.setInventory(small, ["VCPU": ["total": 2], "MEMORY_MB": ["total": 1024]])
            try await cloud.setInventory(big, ["VCPU": ["total": 16], "MEMORY_MB": ["total": 65536]])
            func names(_ query: String, version: String = "latest") async throws -> [String] {
                let response = try await cloud.call(.get, "/resource_providers?\(query)", version: version)
                XCTAssertEqual(response.status, .ok, "\(query): \(String(describing: response.json))")
                return (response.json?["resource_providers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }.sorted()
            }
            try await XCTAssertEqualAsync(try await names("resources=VCPU:4,MEMORY_MB:2048"), ["big"])
            try await XCTAssertEqualAsync(try await names("resources=VCPU:1"), ["big", "small"])
            let badClass = try await cloud.call(.get, "/resource_providers?resources=NOPE:1")
            XCTAssertEqual(badClass.status, .badRequest)
            let badAmount = try await cloud.call(.get, "/resource_providers?resources=VCPU:0")
            XCTAssertEqual(badAmount.status, .badRequest)

            let generation = try await cloud.generation(of: big)
            let traits = try await cloud.call(
                .put, "/resource_providers/\(big)/traits",
                json: ["traits": ["HW_CPU_X86_AVX2"], "resource_provider_generation": .int(generation)])
            XCTAssertEqual(traits.status, .ok)
            try await XCTAssertEqualAsync(try await names("required=HW_CPU_X86_AVX2"), ["big"])
            try await XCTAssertEqualAsync(try await names("required=!HW_CPU_X86_AVX2"), ["small"])
            try await XCTAssertEqualAsync(try await names("required=in:HW_CPU_X86_AVX2,HW_CPU_X86_SSE"), ["big"])
            try await XCTAssertEqualAsync(
                try await cloud.call(.get, "/resource_providers?required=HW_CPU_X86_AVX2", version: "1.17").status, .badRequest,
                "required arrives in 1.18")

            let aggregate = IDGenerator.uuid()
            let put = try await cloud.call(
                .put, "/resource_providers/\(small)/aggregates",
                json: ["aggregates": [.string(aggregate)], "resource_provider_generation": .int(try await cloud.generation(of: small))])
            XCTAssertEqual(put.status, .ok)
            try await XCTAssertEqualAsync(try await names("member_of=\(aggregate)"), ["small"])
            try await XCTAssertEqualAsync(try await names("member_of=in:\(aggregate),\(IDGenerator.uuid())"), ["small"])
            try await XCTAssertEqualAsync(try await names("member_of=!\(aggregate)"), ["big"])
        }
    }

    func testPolicyAndAuthentication() async throws {
        try await PlacementTestCloud.run { cloud in
            let member = try await cloud.identity.project("alpha")
            let refused = try await cloud.call(.get, "/resource_providers", token: member.token)
            XCTAssertEqual(refused.status, .forbidden)
            XCTAssertEqual(refused.error?["title"], "Forbidden")
            let anonymous = try await cloud.call(.get, "/resource_providers", anonymous: true)
            XCTAssertEqual(anonymous.status, .unauthorized)
            XCTAssertNotNil(anonymous.header("WWW-Authenticate"))
            let reader = try await cloud.identity.project("beta", role: "reader")
            let ownUsage = try await cloud.call(.get, "/usages?project_id=\(reader.id)", token: reader.token)
            XCTAssertEqual(ownUsage.status, .ok, "a project reader sees its own usages")
            let otherUsage = try await cloud.call(.get, "/usages?project_id=\(member.id)", token: reader.token)
            XCTAssertEqual(otherUsage.status, .forbidden)
        }
    }
}
