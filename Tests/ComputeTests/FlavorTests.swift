import HTTPTypes
import StratusKit
import XCTest

@testable import Compute

/// Flavors through the API: the seeded set, create, filters, sorting, paging, update,
/// delete, and the admin-only writes.
final class FlavorTests: XCTestCase {
    func testDefaultFlavorsAreSeeded() async throws {
        try await ComputeTestCloud.run { cloud in
            let response = try await cloud.call(.get, "/v2.1/flavors/detail")
            let flavors = try XCTUnwrap(response.json?["flavors"]?.arrayValue)
            XCTAssertEqual(flavors.compactMap { $0["id"]?.stringValue }, ["1", "2", "3", "4", "5"])
            XCTAssertEqual(flavors.compactMap { $0["name"]?.stringValue }, ["m1.tiny", "m1.small", "m1.medium", "m1.large", "m1.xlarge"])
            XCTAssertEqual(flavors.compactMap { $0["ram"]?.intValue }, [512, 2048, 4096, 8192, 16384])
            XCTAssertEqual(flavors.compactMap { $0["vcpus"]?.intValue }, [1, 1, 2, 4, 8])
            XCTAssertEqual(flavors.compactMap { $0["disk"]?.intValue }, [1, 20, 40, 80, 160])
            try await cloud.service.bootstrap()
            let again = try await cloud.call(.get, "/v2.1/flavors")
            XCTAssertEqual(again.json?["flavors"]?.arrayValue?.count, 5, "a second start adds nothing")
        }
    }

    func testCreateShowsEveryFieldByMicroversion() async throws {
        try await ComputeTestCloud.run { cloud in
            let body: JSONValue = [
                "flavor": [
                    "name": "gp.custom", "id": "custom-1", "ram": 1024, "vcpus": 2, "disk": 10,
                    "OS-FLV-EXT-DATA:ephemeral": 5, "swap": 0, "rxtx_factor": 2.5, "description": "general purpose",
                ]
            ]
            let created = try await cloud.call(.post, "/v2.1/flavors", version: "2.75", json: body)
            XCTAssertEqual(created.status, .ok)
            let flavor = try XCTUnwrap(created.json?["flavor"])
            XCTAssertEqual(flavor["id"]?.stringValue, "custom-1")
            XCTAssertEqual(flavor["OS-FLV-EXT-DATA:ephemeral"]?.intValue, 5)
            XCTAssertEqual(flavor["os-flavor-access:is_public"]?.boolValue, true)
            XCTAssertEqual(flavor["OS-FLV-DISABLED:disabled"]?.boolValue, false)
            XCTAssertEqual(flavor["rxtx_factor"], .double(2.5))
            XCTAssertEqual(flavor["swap"]?.intValue, 0, "from 2.75 swap is an integer")
            XCTAssertEqual(flavor["description"]?.stringValue, "general purpose")
            XCTAssertEqual(flavor["links"]?.arrayValue?.first?["href"]?.stringValue, "http://127.0.0.1:8774/v2.1/flavors/custom-1")
            XCTAssertEqual(flavor["links"]?.arrayValue?.dropFirst().first?["href"]?.stringValue, "http://127.0.0.1:8774/flavors/custom-1")

            let old = try await cloud.call(.get, "/v2.1/flavors/custom-1", version: "2.1")
            XCTAssertEqual(old.json?["flavor"]?["swap"]?.stringValue, "", "below 2.75 no swap is the empty string")
            XCTAssertNil(old.json?["flavor"]?["description"], "no description below 2.55")
            XCTAssertNil(old.json?["flavor"]?["extra_specs"], "no extra specs below 2.61")
            let withSpecs = try await cloud.call(.get, "/v2.1/flavors/custom-1", version: "2.61")
            XCTAssertEqual(withSpecs.json?["flavor"]?["extra_specs"], [:])

            let descriptionTooEarly = try await cloud.call(
                .post, "/v2.1/flavors", version: "2.54",
                json: ["flavor": ["name": "x", "ram": 1, "vcpus": 1, "disk": 0, "description": "no"]])
            XCTAssertEqual(descriptionTooEarly.status, .badRequest)
        }
    }

    func testGeneratedIdAndDuplicates() async throws {
        try await ComputeTestCloud.run { cloud in
            let flavor = try await cloud.flavor("auto")
            let id = try XCTUnwrap(flavor["id"]?.stringValue)
            XCTAssertNotNil(UUID(uuidString: id), "no id given: a UUID is generated")
            let sameName = try await cloud.call(
                .post, "/v2.1/flavors", json: ["flavor": ["name": "auto", "ram": 1, "vcpus": 1, "disk": 0]])
            XCTAssertEqual(sameName.status, .conflict)
            XCTAssertEqual(sameName.faultName, "conflictingRequest")
            XCTAssertEqual(sameName.message, "Flavor with name auto already exists.")
            let sameID = try await cloud.call(
                .post, "/v2.1/flavors", json: ["flavor": ["name": "other", "id": "1", "ram": 1, "vcpus": 1, "disk": 0]])
            XCTAssertEqual(sameID.status, .conflict)
            XCTAssertEqual(sameID.message, "Flavor with ID 1 already exists.")
        }
    }

    func testCreateValidation() async throws {
        try await ComputeTestCloud.run { cloud in
            let cases: [(JSONValue, String)] = [
                (["name": "a", "ram": 0, "vcpus": 1, "disk": 0], "0 is less than the minimum of 1"),
                (["name": "a", "ram": 1, "vcpus": 1], "'disk' is a required property"),
                (["name": "a", "ram": 1, "vcpus": 1, "disk": -1], "-1 is less than the minimum of 0"),
                (["name": " a", "ram": 1, "vcpus": 1, "disk": 0], "is not a 'name'"),
                (["name": "a", "ram": "lots", "vcpus": 1, "disk": 0], "is not of type"),
                (["name": "a", "ram": 1, "vcpus": 1, "disk": 0, "colour": "red"], "('colour' was unexpected)"),
                (["name": "a", "id": "bad/id", "ram": 1, "vcpus": 1, "disk": 0], "does not match"),
                (["name": "a", "ram": 1, "vcpus": 1, "disk": 0, "rxtx_factor": 0], "minimum"),
            ]
            for (flavor, fragment) in cases {
                let response = try await cloud.call(.post, "/v2.1/flavors", json: ["flavor": flavor])
                XCTAssertEqual(response.status, .badRequest, flavor.jsonText())
                XCTAssertEqual(response.faultName, "badRequest")
                XCTAssertTrue(response.message.contains(fragment), "\(response.message) lacks \(fragment)")
            }
            let digits = try await cloud.call(
                .post, "/v2.1/flavors", json: ["flavor": ["name": "digits", "ram": "64", "vcpus": "1", "disk": "0"]])
            XCTAssertEqual(digits.json?["flavor"]?["ram"]?.intValue, 64, "digit strings are numbers")
        }
    }

    func testFiltersAndSorting() async throws {
        try await ComputeTestCloud.run { cloud in
            func ids(_ query: String) async throws -> [String] {
                let response = try await cloud.call(.get, "/v2.1/flavors" + query)
                XCTAssertEqual(response.status, .ok, query)
                return response.json?["flavors"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            }
            try await XCTAssertEqualAsync(try await ids("?minRam=4096"), ["3", "4", "5"])
            try await XCTAssertEqualAsync(try await ids("?minDisk=80"), ["4", "5"])
            try await XCTAssertEqualAsync(try await ids("?minRam=2048&minDisk=40"), ["3", "4", "5"])
            try await XCTAssertEqualAsync(try await ids("?sort_key=memory_mb&sort_dir=desc"), ["5", "4", "3", "2", "1"])
            try await XCTAssertEqualAsync(try await ids("?sort_key=name"), ["4", "3", "2", "1", "5"])
            let badSort = try await cloud.call(.get, "/v2.1/flavors?sort_key=colour")
            XCTAssertEqual(badSort.status, .badRequest)
            let badDir = try await cloud.call(.get, "/v2.1/flavors?sort_dir=up")
            XCTAssertEqual(badDir.status, .badRequest)
            let badRam = try await cloud.call(.get, "/v2.1/flavors?minRam=lots")
            XCTAssertEqual(badRam.message, "Invalid minRam filter [lots]")
            let badPublic = try await cloud.call(.get, "/v2.1/flavors?is_public=maybe")
            XCTAssertEqual(badPublic.message, "Invalid is_public filter [maybe]")
        }
    }

    func testPagingWithLimitMarkerAndNextLink() async throws {
        try await ComputeTestCloud.run { cloud in
            let first = try await cloud.call(.get, "/v2.1/flavors?limit=2")
            XCTAssertEqual(first.json?["flavors"]?.arrayValue?.compactMap { $0["id"]?.stringValue }, ["1", "2"])
            let next = try XCTUnwrap(first.json?["flavors_links"]?.arrayValue?.first)
            XCTAssertEqual(next["rel"]?.stringValue, "next")
            XCTAssertEqual(next["href"]?.stringValue, "http://127.0.0.1:8774/v2.1/flavors?limit=2&marker=2")
            let second = try await cloud.call(.get, "/v2.1/flavors/detail?limit=2&marker=2")
            XCTAssertEqual(second.json?["flavors"]?.arrayValue?.compactMap { $0["id"]?.stringValue }, ["3", "4"])
            XCTAssertEqual(
                second.json?["flavors_links"]?.arrayValue?.first?["href"]?.stringValue,
                "http://127.0.0.1:8774/v2.1/flavors/detail?limit=2&marker=4")
            let last = try await cloud.call(.get, "/v2.1/flavors?limit=2&marker=4")
            XCTAssertEqual(last.json?["flavors"]?.arrayValue?.compactMap { $0["id"]?.stringValue }, ["5"])
            XCTAssertNil(last.json?["flavors_links"], "a short page has no next link")
            let unknown = try await cloud.call(.get, "/v2.1/flavors?marker=nope")
            XCTAssertEqual(unknown.status, .badRequest)
            XCTAssertEqual(unknown.message, "marker [nope] not found")
            let badLimit = try await cloud.call(.get, "/v2.1/flavors?limit=-1")
            XCTAssertEqual(badLimit.status, .badRequest)
        }
    }

    func testUpdateDescriptionFrom255AndDelete() async throws {
        try await ComputeTestCloud.run { cloud in
            try await cloud.flavor("to-edit", id: "edit")
            let early = try await cloud.call(
                .put, "/v2.1/flavors/edit", version: "2.54", json: ["flavor": ["description": "new"]])
            XCTAssertEqual(early.status, .notFound, "no update below 2.55")
            let updated = try await cloud.call(
                .put, "/v2.1/flavors/edit", version: "2.55", json: ["flavor": ["description": "new"]])
            XCTAssertEqual(updated.status, .ok)
            XCTAssertEqual(updated.json?["flavor"]?["description"]?.stringValue, "new")
            let shown = try await cloud.call(.get, "/v2.1/flavors/edit")
            XCTAssertEqual(shown.json?["flavor"]?["description"]?.stringValue, "new")
            let renaming = try await cloud.call(.put, "/v2.1/flavors/edit", json: ["flavor": ["name": "other"]])
            XCTAssertEqual(renaming.status, .badRequest, "only the description can change")
            let missing = try await cloud.call(.put, "/v2.1/flavors/nope", json: ["flavor": ["description": nil]])
            XCTAssertEqual(missing.status, .notFound)

            let deleted = try await cloud.call(.delete, "/v2.1/flavors/edit")
            XCTAssertEqual(deleted.status, .accepted)
            let gone = try await cloud.call(.get, "/v2.1/flavors/edit")
            XCTAssertEqual(gone.status, .notFound)
            let again = try await cloud.call(.delete, "/v2.1/flavors/edit")
            XCTAssertEqual(again.status, .notFound)
        }
    }

    func testMembersMayReadButNotWrite() async throws {
        try await ComputeTestCloud.run { cloud in
            let member = try await cloud.identity.project("dev")
            let list = try await cloud.call(.get, "/v2.1/flavors", token: member.token)
            XCTAssertEqual(list.json?["flavors"]?.arrayValue?.count, 5)
            let create = try await cloud.call(
                .post, "/v2.1/flavors", json: ["flavor": ["name": "mine", "ram": 1, "vcpus": 1, "disk": 0]],
                token: member.token)
            XCTAssertEqual(create.status, .forbidden)
            XCTAssertEqual(create.faultName, "forbidden")
            XCTAssertEqual(create.message, "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed.")
            let delete = try await cloud.call(.delete, "/v2.1/flavors/1", token: member.token)
            XCTAssertEqual(delete.status, .forbidden)
            let update = try await cloud.call(
                .put, "/v2.1/flavors/1", json: ["flavor": ["description": "x"]], token: member.token)
            XCTAssertEqual(update.status, .forbidden)
            let still = try await cloud.call(.get, "/v2.1/flavors/1", token: member.token)
            XCTAssertEqual(still.status, .ok)
        }
    }
}
