import HTTPTypes
import StratusKit
import XCTest

@testable import Compute

/// `os-services`: state from heartbeats and forced down, the pre-2.53 actions, the 2.53
/// update by uuid, delete (refused while hosting instances), admin only.
final class ServiceTests: XCTestCase {
    func testListShowsStateStatusAndZone() async throws {
        try await ComputeTestCloud.run { cloud in
            try await cloud.computeHost("fresh")
            try await cloud.computeHost("stale", secondsAgo: 600)
            let list = try await cloud.call(.get, "/v2.1/os-services", version: "2.53")
            XCTAssertEqual(list.status, .ok)
            let services = try XCTUnwrap(list.json?["services"]?.arrayValue)
            XCTAssertEqual(services.count, 2)
            let fresh = try XCTUnwrap(services.first { $0["host"]?.stringValue == "fresh" })
            XCTAssertEqual(fresh["state"]?.stringValue, "up")
            XCTAssertEqual(fresh["status"]?.stringValue, "enabled")
            XCTAssertEqual(fresh["zone"]?.stringValue, "nova")
            XCTAssertEqual(fresh["binary"]?.stringValue, "nova-compute")
            XCTAssertEqual(fresh["forced_down"]?.boolValue, false)
            XCTAssertNotNil(UUID(uuidString: fresh["id"]?.stringValue ?? ""), "uuid ids from 2.53")
            let stale = try XCTUnwrap(services.first { $0["host"]?.stringValue == "stale" })
            XCTAssertEqual(stale["state"]?.stringValue, "down", "no heartbeat within service_down_time")

            let old = try await cloud.call(.get, "/v2.1/os-services?host=fresh", version: "2.1")
            XCTAssertEqual(old.json?["services"]?.arrayValue?.count, 1)
            XCTAssertNotNil(old.json?["services"]?[0]?["id"]?.intValue, "integer ids before 2.53")
            XCTAssertNil(old.json?["services"]?[0]?["forced_down"], "forced_down from 2.11")
            let none = try await cloud.call(.get, "/v2.1/os-services?binary=nova-scheduler")
            XCTAssertEqual(none.json?["services"], [])

            let member = try await cloud.identity.project("dev")
            let refused = try await cloud.call(.get, "/v2.1/os-services", token: member.token)
            XCTAssertEqual(refused.status, .forbidden)
        }
    }

    func testLegacyActionsBefore253() async throws {
        try await ComputeTestCloud.run { cloud in
            try await cloud.computeHost("h1")
            let disabled = try await cloud.call(
                .put, "/v2.1/os-services/disable-log-reason", version: "2.11",
                json: ["host": "h1", "binary": "nova-compute", "disabled_reason": "maintenance"])
            XCTAssertEqual(disabled.status, .ok)
            XCTAssertEqual(
                disabled.json?["service"],
                ["host": "h1", "binary": "nova-compute", "status": "disabled", "disabled_reason": "maintenance"])
            let listed = try await cloud.call(.get, "/v2.1/os-services", version: "2.11")
            XCTAssertEqual(listed.json?["services"]?[0]?["status"]?.stringValue, "disabled")
            XCTAssertEqual(listed.json?["services"]?[0]?["disabled_reason"]?.stringValue, "maintenance")

            let forced = try await cloud.call(
                .put, "/v2.1/os-services/force-down", version: "2.11",
                json: ["host": "h1", "binary": "nova-compute", "forced_down": true])
            XCTAssertEqual(forced.json?["service"]?["forced_down"]?.boolValue, true)
            let down = try await cloud.call(.get, "/v2.1/os-services", version: "2.11")
            XCTAssertEqual(down.json?["services"]?[0]?["state"]?.stringValue, "down", "forced down is down")
            let noForceBefore211 = try await cloud.call(
                .put, "/v2.1/os-services/force-down", version: "2.10",
                json: ["host": "h1", "binary": "nova-compute", "forced_down": false])
            XCTAssertEqual(noForceBefore211.status, .notFound)

            let enabled = try await cloud.call(
                .put, "/v2.1/os-services/enable", version: "2.1", json: ["host": "h1", "binary": "nova-compute"])
            XCTAssertEqual(enabled.json?["service"]?["status"]?.stringValue, "enabled")
            let missing = try await cloud.call(
                .put, "/v2.1/os-services/enable", version: "2.1", json: ["host": "nowhere", "binary": "nova-compute"])
            XCTAssertEqual(missing.status, .notFound)
            XCTAssertEqual(missing.message, "Could not find binary nova-compute on host nowhere.")
            let scheduler = try await cloud.call(
                .put, "/v2.1/os-services/disable", version: "2.1", json: ["host": "h1", "binary": "nova-scheduler"])
            XCTAssertEqual(scheduler.status, .badRequest)
            let noReason = try await cloud.call(
                .put, "/v2.1/os-services/disable-log-reason", version: "2.1", json: ["host": "h1", "binary": "nova-compute"])
            XCTAssertEqual(noReason.message, "Missing disabled reason field")
        }
    }

    func testUpdateByUUIDFrom253() async throws {
        try await ComputeTestCloud.run { cloud in
            let (service, _) = try await cloud.computeHost("h2")
            let updated = try await cloud.call(
                .put, "/v2.1/os-services/\(service.uuid)", version: "2.53",
                json: ["status": "disabled", "disabled_reason": "upgrade", "forced_down": true])
            XCTAssertEqual(updated.status, .ok)
            XCTAssertEqual(updated.json?["service"]?["status"]?.stringValue, "disabled")
            XCTAssertEqual(updated.json?["service"]?["disabled_reason"]?.stringValue, "upgrade")
            XCTAssertEqual(updated.json?["service"]?["forced_down"]?.boolValue, true)
            XCTAssertEqual(updated.json?["service"]?["state"]?.stringValue, "down")
            let contradictory = try await cloud.call(
                .put, "/v2.1/os-services/\(service.uuid)", version: "2.53", json: ["status": "enabled", "disabled_reason": "x"])
            XCTAssertEqual(contradictory.message, "Specifying 'disabled_reason' with status 'enabled' is invalid.")
            let empty = try await cloud.call(.put, "/v2.1/os-services/\(service.uuid)", version: "2.53", json: [:])
            XCTAssertEqual(
                empty.message, "No updates were requested. Fields 'status' or 'forced_down' should be specified.")
            let notUUID = try await cloud.call(.put, "/v2.1/os-services/12", version: "2.53", json: ["status": "enabled"])
            XCTAssertEqual(notUUID.message, "Invalid uuid 12")
            let unknown = IDGenerator.uuid()
            let missing = try await cloud.call(.put, "/v2.1/os-services/\(unknown)", version: "2.53", json: ["status": "enabled"])
            XCTAssertEqual(missing.status, .notFound)
            XCTAssertEqual(missing.message, "Service \(unknown) could not be found.")
            try await cloud.queries { q in
                try await q.insertMigration(
                    MigrationRecord(
                        id: 0, uuid: "", instanceUUID: IDGenerator.uuid(), sourceCompute: "h2", destCompute: "h3",
                        sourceNode: nil, destNode: nil, destHost: nil, migrationType: "evacuation", status: "done",
                        oldInstanceTypeID: nil, newInstanceTypeID: nil, projectID: nil, userID: nil, createdAt: .now(),
                        updatedAt: nil))
            }
            let forcedUp = try await cloud.call(
                .put, "/v2.1/os-services/\(service.uuid)", version: "2.53", json: ["forced_down": false])
            XCTAssertEqual(forcedUp.status, .badRequest, "an evacuation from the host is not cleaned up yet")
            XCTAssertTrue(forcedUp.message.hasPrefix("Unable to force up host h2 as `done` evacuation migration records"))
            let legacyGone = try await cloud.call(
                .put, "/v2.1/os-services/enable", version: "2.53", json: ["host": "h2", "binary": "nova-compute"])
            XCTAssertEqual(legacyGone.status, .badRequest, "from 2.53 the path names a uuid")
        }
    }

    func testDeleteRefusedWhileHostingInstances() async throws {
        try await ComputeTestCloud.run { cloud in
            let (busy, _) = try await cloud.computeHost("busy")
            let (idle, _) = try await cloud.computeHost("idle")
            try await cloud.instance(project: "p1", host: "busy")
            let refused = try await cloud.call(.delete, "/v2.1/os-services/\(busy.uuid)", version: "2.53")
            XCTAssertEqual(refused.status, .conflict)
            XCTAssertEqual(
                refused.message,
                "Unable to delete compute service that is hosting instances. Migrate or delete the instances first.")
            let deleted = try await cloud.call(.delete, "/v2.1/os-services/\(idle.id)", version: "2.52")
            XCTAssertEqual(deleted.status, .noContent)
            let hypervisors = try await cloud.call(.get, "/v2.1/os-hypervisors", version: "2.53")
            XCTAssertEqual(hypervisors.json?["hypervisors"]?.arrayValue?.count, 1, "its compute node went with it")
            let again = try await cloud.call(.delete, "/v2.1/os-services/\(idle.id)", version: "2.52")
            XCTAssertEqual(again.status, .notFound)
        }
    }
}
