import HTTPTypes
import StratusKit
import XCTest

@testable import Compute

/// `os-aggregates` and the zones they make (`os-availability-zone`).
final class AggregateTests: XCTestCase {
    func testCreateShowUpdateDelete() async throws {
        try await ComputeTestCloud.run { cloud in
            let created = try await cloud.call(
                .post, "/v2.1/os-aggregates", version: "2.41", json: ["aggregate": ["name": "rack1", "availability_zone": "az1"]])
            XCTAssertEqual(created.status, .ok)
            let aggregate = try XCTUnwrap(created.json?["aggregate"])
            let id = try XCTUnwrap(aggregate["id"]?.intValue)
            XCTAssertEqual(aggregate["availability_zone"]?.stringValue, "az1")
            XCTAssertNotNil(aggregate["uuid"]?.stringValue, "uuid from 2.41")
            XCTAssertNil(aggregate["hosts"], "create shows no hosts")
            XCTAssertEqual(aggregate["deleted"]?.boolValue, false)

            let duplicate = try await cloud.call(.post, "/v2.1/os-aggregates", json: ["aggregate": ["name": "rack1"]])
            XCTAssertEqual(duplicate.status, .conflict)
            XCTAssertEqual(duplicate.message, "Aggregate rack1 already exists.")

            let shown = try await cloud.call(.get, "/v2.1/os-aggregates/\(id)", version: "2.40")
            XCTAssertEqual(shown.json?["aggregate"]?["metadata"], ["availability_zone": "az1"])
            XCTAssertEqual(shown.json?["aggregate"]?["hosts"], [])
            XCTAssertNil(shown.json?["aggregate"]?["uuid"], "no uuid before 2.41")

            let renamed = try await cloud.call(
                .put, "/v2.1/os-aggregates/\(id)", json: ["aggregate": ["name": "rack-one", "availability_zone": "az2"]])
            XCTAssertEqual(renamed.json?["aggregate"]?["name"]?.stringValue, "rack-one")
            XCTAssertEqual(renamed.json?["aggregate"]?["availability_zone"]?.stringValue, "az2")
            XCTAssertNotEqual(renamed.json?["aggregate"]?["updated_at"], .null)

            let metadata = try await cloud.call(
                .post, "/v2.1/os-aggregates/\(id)/action", json: ["set_metadata": ["metadata": ["ssd": "true", "gpu": nil]]])
            XCTAssertEqual(metadata.json?["aggregate"]?["metadata"], ["availability_zone": "az2", "ssd": "true"])
            let removed = try await cloud.call(
                .post, "/v2.1/os-aggregates/\(id)/action", json: ["set_metadata": ["metadata": ["ssd": nil]]])
            XCTAssertEqual(removed.json?["aggregate"]?["metadata"], ["availability_zone": "az2"])

            let badKey = try await cloud.call(
                .post, "/v2.1/os-aggregates/\(id)/action", json: ["set_metadata": ["metadata": ["a/b": "x"]]])
            XCTAssertEqual(badKey.status, .badRequest)
            let badValue = try await cloud.call(
                .post, "/v2.1/os-aggregates/\(id)/action", json: ["set_metadata": ["metadata": ["n": 1]]])
            XCTAssertEqual(badValue.status, .badRequest, "values are strings or null")
            let list = try await cloud.call(.get, "/v2.1/os-aggregates")
            XCTAssertEqual(list.json?["aggregates"]?.arrayValue?.count, 1)
            let deleted = try await cloud.call(.delete, "/v2.1/os-aggregates/\(id)")
            XCTAssertEqual(deleted.status, .ok)
            let missing = try await cloud.call(.get, "/v2.1/os-aggregates/\(id)")
            XCTAssertEqual(missing.message, "Aggregate \(id) could not be found.")
            let notInteger = try await cloud.call(.get, "/v2.1/os-aggregates/abc")
            XCTAssertEqual(notInteger.status, .badRequest)
            let member = try await cloud.identity.project("dev")
            let refused = try await cloud.call(.get, "/v2.1/os-aggregates", token: member.token)
            XCTAssertEqual(refused.status, .forbidden)
        }
    }

    func testHostsAndZoneRules() async throws {
        try await ComputeTestCloud.run { cloud in
            try await cloud.computeHost("h1")
            try await cloud.computeHost("h2")
            func create(_ name: String, _ zone: String?) async throws -> Int64 {
                var body: [String: JSONValue] = ["name": .string(name)]
                if let zone { body["availability_zone"] = .string(zone) }
                let created = try await cloud.call(.post, "/v2.1/os-aggregates", json: ["aggregate": .object(body)])
                return try XCTUnwrap(created.json?["aggregate"]?["id"]?.intValue)
            }
            let az1 = try await create("a1", "az1")
            let az2 = try await create("a2", "az2")
            let plain = try await create("plain", nil)

            let added = try await cloud.call(.post, "/v2.1/os-aggregates/\(az1)/action", json: ["add_host": ["host": "h1"]])
            XCTAssertEqual(added.json?["aggregate"]?["hosts"], ["h1"])
            let twice = try await cloud.call(.post, "/v2.1/os-aggregates/\(az1)/action", json: ["add_host": ["host": "h1"]])
            XCTAssertEqual(twice.status, .conflict)
            XCTAssertEqual(twice.message, "Aggregate \(az1) already has host h1.")
            let otherZone = try await cloud.call(.post, "/v2.1/os-aggregates/\(az2)/action", json: ["add_host": ["host": "h1"]])
            XCTAssertEqual(otherZone.status, .conflict)
            XCTAssertEqual(
                otherZone.message, "Cannot add host to aggregate \(az2). Reason: One or more hosts already in availability zone(s) ['az1'].")
            let noZone = try await cloud.call(.post, "/v2.1/os-aggregates/\(plain)/action", json: ["add_host": ["host": "h1"]])
            XCTAssertEqual(noZone.status, .ok, "an aggregate without a zone takes any host")
            let moveZone = try await cloud.call(
                .post, "/v2.1/os-aggregates/\(plain)/action", json: ["set_metadata": ["metadata": ["availability_zone": "az2"]]])
            XCTAssertEqual(moveZone.status, .badRequest)
            XCTAssertEqual(
                moveZone.message,
                "Cannot update metadata of aggregate \(plain). Reason: One or more hosts already in availability zone(s) ['az1'].")
            let unknownHost = try await cloud.call(.post, "/v2.1/os-aggregates/\(az1)/action", json: ["add_host": ["host": "nope"]])
            XCTAssertEqual(unknownHost.status, .notFound)
            XCTAssertEqual(unknownHost.message, "Compute host nope could not be found.")

            let busy = try await cloud.call(.delete, "/v2.1/os-aggregates/\(az1)")
            XCTAssertEqual(busy.status, .badRequest)
            XCTAssertEqual(busy.message, "Cannot remove host from aggregate \(az1). Reason: Host aggregate is not empty.")

            let services = try await cloud.call(.get, "/v2.1/os-services?host=h1")
            XCTAssertEqual(services.json?["services"]?[0]?["zone"]?.stringValue, "az1", "the host's zone comes from its aggregate")
            let zones = try await cloud.call(.get, "/v2.1/os-availability-zone")
            let names = zones.json?["availabilityZoneInfo"]?.arrayValue?.compactMap { $0["zoneName"]?.stringValue }
            XCTAssertEqual(names, ["az1", "nova"], "h2 is in no zoned aggregate: the default zone")
            XCTAssertEqual(zones.json?["availabilityZoneInfo"]?[0]?["hosts"], .null)
            let detail = try await cloud.call(.get, "/v2.1/os-availability-zone/detail")
            let az1Detail = try XCTUnwrap(detail.json?["availabilityZoneInfo"]?.arrayValue?.first { $0["zoneName"]?.stringValue == "az1" })
            XCTAssertEqual(az1Detail["hosts"]?["h1"]?["nova-compute"]?["available"]?.boolValue, true)
            XCTAssertEqual(az1Detail["hosts"]?["h1"]?["nova-compute"]?["active"]?.boolValue, true)
            let member = try await cloud.identity.project("dev")
            let memberZones = try await cloud.call(.get, "/v2.1/os-availability-zone", token: member.token)
            XCTAssertEqual(memberZones.status, .ok, "anyone lists zones")
            let memberDetail = try await cloud.call(.get, "/v2.1/os-availability-zone/detail", token: member.token)
            XCTAssertEqual(memberDetail.status, .forbidden)

            let byHost = try await cloud.queries { q in try await q.aggregatesByHost() }
            XCTAssertEqual(byHost["h1"]?.map(\.name).sorted(), ["a1", "plain"])

            let removed = try await cloud.call(.post, "/v2.1/os-aggregates/\(az1)/action", json: ["remove_host": ["host": "h1"]])
            XCTAssertEqual(removed.json?["aggregate"]?["hosts"], [])
            let notThere = try await cloud.call(.post, "/v2.1/os-aggregates/\(az1)/action", json: ["remove_host": ["host": "h1"]])
            XCTAssertEqual(notThere.status, .notFound)
            XCTAssertEqual(notThere.message, "Cannot remove host h1 in aggregate \(az1)")
            let nowFree = try await cloud.call(.post, "/v2.1/os-aggregates/\(az2)/action", json: ["add_host": ["host": "h1"]])
            XCTAssertEqual(nowFree.status, .ok)
        }
    }
}
