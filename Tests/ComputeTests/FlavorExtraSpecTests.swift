import HTTPTypes
import StratusKit
import XCTest

@testable import Compute

/// `os-extra_specs`: create, list, show, set one, delete; shown in flavor bodies from 2.61.
final class FlavorExtraSpecTests: XCTestCase {
    func testExtraSpecsLifecycle() async throws {
        try await ComputeTestCloud.run { cloud in
            try await cloud.flavor("pinned", id: "pinned")
            let created = try await cloud.call(
                .post, "/v2.1/flavors/pinned/os-extra_specs",
                json: ["extra_specs": ["hw:cpu_policy": "dedicated", "hw:numa_nodes": 1, "trait:X": true]])
            XCTAssertEqual(created.status, .ok)
            XCTAssertEqual(created.json?["extra_specs"]?["hw:numa_nodes"]?.stringValue, "1", "values are kept as text")
            let list = try await cloud.call(.get, "/v2.1/flavors/pinned/os-extra_specs")
            XCTAssertEqual(
                list.json?["extra_specs"], ["hw:cpu_policy": "dedicated", "hw:numa_nodes": "1", "trait:X": "True"])
            let one = try await cloud.call(.get, "/v2.1/flavors/pinned/os-extra_specs/hw:cpu_policy")
            XCTAssertEqual(one.json, ["hw:cpu_policy": "dedicated"])
            let set = try await cloud.call(
                .put, "/v2.1/flavors/pinned/os-extra_specs/hw:cpu_policy", json: ["hw:cpu_policy": "shared"])
            XCTAssertEqual(set.status, .ok)
            XCTAssertEqual(set.json, ["hw:cpu_policy": "shared"])
            let mismatch = try await cloud.call(
                .put, "/v2.1/flavors/pinned/os-extra_specs/hw:cpu_policy", json: ["hw:mem_page_size": "large"])
            XCTAssertEqual(mismatch.status, .badRequest)
            XCTAssertEqual(mismatch.message, "Request body and URI mismatch")
            let tooMany = try await cloud.call(
                .put, "/v2.1/flavors/pinned/os-extra_specs/a", json: ["a": "1", "b": "2"])
            XCTAssertEqual(tooMany.status, .badRequest)

            let flavor = try await cloud.call(.get, "/v2.1/flavors/pinned", version: "2.61")
            XCTAssertEqual(flavor.json?["flavor"]?["extra_specs"]?["hw:cpu_policy"]?.stringValue, "shared")
            let detail = try await cloud.call(.get, "/v2.1/flavors/detail?minRam=256&minDisk=1", version: "2.61")
            XCTAssertTrue(
                detail.json?["flavors"]?.arrayValue?.contains { $0["extra_specs"]?["hw:numa_nodes"]?.stringValue == "1" } ?? false)

            let deleted = try await cloud.call(.delete, "/v2.1/flavors/pinned/os-extra_specs/hw:numa_nodes")
            XCTAssertEqual(deleted.status, .accepted)
            let gone = try await cloud.call(.get, "/v2.1/flavors/pinned/os-extra_specs/hw:numa_nodes")
            XCTAssertEqual(gone.status, .notFound)
            XCTAssertEqual(gone.message, "Flavor pinned has no extra specs with key hw:numa_nodes.")
            let badKey = try await cloud.call(
                .post, "/v2.1/flavors/pinned/os-extra_specs", json: ["extra_specs": ["bad/key": "x"]])
            XCTAssertEqual(badKey.status, .badRequest)
            let noFlavor = try await cloud.call(.get, "/v2.1/flavors/nope/os-extra_specs")
            XCTAssertEqual(noFlavor.status, .notFound)
        }
    }

    func testMembersReadButDoNotWriteExtraSpecs() async throws {
        try await ComputeTestCloud.run { cloud in
            try await cloud.call(.post, "/v2.1/flavors/1/os-extra_specs", json: ["extra_specs": ["k": "v"]])
            let member = try await cloud.identity.project("dev")
            let read = try await cloud.call(.get, "/v2.1/flavors/1/os-extra_specs", token: member.token)
            XCTAssertEqual(read.json?["extra_specs"], ["k": "v"])
            let write = try await cloud.call(
                .post, "/v2.1/flavors/1/os-extra_specs", json: ["extra_specs": ["k": "w"]], token: member.token)
            XCTAssertEqual(write.status, .forbidden)
            let put = try await cloud.call(.put, "/v2.1/flavors/1/os-extra_specs/k", json: ["k": "w"], token: member.token)
            XCTAssertEqual(put.status, .forbidden)
            let delete = try await cloud.call(.delete, "/v2.1/flavors/1/os-extra_specs/k", token: member.token)
            XCTAssertEqual(delete.status, .forbidden)
        }
    }
}
