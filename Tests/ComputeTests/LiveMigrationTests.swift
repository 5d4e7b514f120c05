import Foundation
import StratusKit
import StratusTestSupport
import XCTest

@testable import Compute

/// `os-migrateLive` and `/servers/{id}/migrations` through the HTTP API, checked against
/// Placement, Network and the fake hypervisors.
final class LiveMigrationTests: XCTestCase {
    private static let tiny: [String: Int64] = ["VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1]
    private static let auto: JSONValue = ["os-migrateLive": ["host": .null, "block_migration": "auto"]]

    func testTheSchedulerPicksAnotherHostAndEverythingFollows() async throws {
        try await ComputeLiveCloud.run(hosts: 3) { cloud in
            let id = try await cloud.createServer("traveller")
            try await cloud.waitFor(id, status: "ACTIVE")
            let source = try await cloud.host(of: id)
            try await XCTAssertEqualAsync(try await cloud.action(id, Self.auto).status, 202)
            let migration = try await cloud.waitForMigration(of: id, status: "completed")
            let moved = try await cloud.waitFor(id, status: "ACTIVE")
            let destination = try XCTUnwrap(moved["OS-EXT-SRV-ATTR:host"]?.stringValue)
            XCTAssertNotEqual(destination, source)
            XCTAssertEqual(moved["OS-EXT-STS:power_state"]?.intValue, 1, "still running")
            XCTAssertEqual(migration["migration_type"]?.stringValue, "live-migration")
            XCTAssertEqual(migration["source_compute"]?.stringValue, source)
            XCTAssertEqual(migration["dest_compute"]?.stringValue, destination)
            XCTAssertNil(migration["links"], "no links once finished")

            let destinationProvider = try await XCTUnwrapAsync(try await cloud.providerUUID(host: destination))
            try await XCTAssertEqualAsync(try await cloud.allocations(consumer: id), [destinationProvider: Self.tiny])
            let migrationUUID = try XCTUnwrap(migration["uuid"]?.stringValue)
            try await XCTAssertTrueAsync(try await cloud.allocations(consumer: migrationUUID).isEmpty)
            try await XCTAssertEqualAsync(try await cloud.ports(deviceID: id).first?["binding:host_id"]?.stringValue, destination)
            let sourceDriver = try XCTUnwrap(cloud.drivers[source])
            let destinationDriver = try XCTUnwrap(cloud.drivers[destination])
            try await XCTAssertTrueAsync(!(try await sourceDriver.listGuests()).contains(id), "the source's guest is gone")
            try await XCTAssertEqualAsync(try await destinationDriver.info(id).state, .running)
            let events = try await cloud.events(of: id, action: "live-migration")
            XCTAssertEqual(events["conductor_live_migrate_instance"], "Success")
            XCTAssertEqual(events["compute_live_migration"], "Success")

            let project = try await cloud.cloud.project("live-project")
            let member = try await cloud.cloud.user("live-member", projectID: project, role: "member")
            let own = try await cloud.createServer("own", token: member)
            try await cloud.waitFor(own, status: "ACTIVE")
            let refused = try await cloud.action(own, Self.auto, token: member)
            XCTAssertEqual(refused.status, 403, "live migration is for admins")
        }
    }

    func testChecksAndBodiesByMicroversion() async throws {
        try await ComputeLiveCloud.run(hosts: 2) { cloud in
            let id = try await cloud.createServer("checked")
            try await cloud.waitFor(id, status: "ACTIVE")
            let source = try await cloud.host(of: id)
            let provider = try await XCTUnwrapAsync(try await cloud.providerUUID(host: source))

            // Below 2.34 the checks answer: the current host is refused with a 400.
            let toSelf = try await cloud.action(
                id, ["os-migrateLive": ["host": .string(source), "block_migration": false, "disk_over_commit": false]],
                version: "2.24")
            XCTAssertEqual(toSelf.status, 400)
            XCTAssertEqual(
                toSelf.json?["badRequest"]?["message"]?.stringValue,
                "Unable to migrate instance (\(id)) to current host (\(source)).")
            try await cloud.waitFor(id, status: "ACTIVE")
            try await XCTAssertEqualAsync(try await cloud.latestMigration(of: id)?["status"]?.stringValue, "error")
            try await XCTAssertEqualAsync(try await cloud.allocations(consumer: id), [provider: Self.tiny])

            // From 2.34 they run after the 202 and show in the instance action.
            let asynchronous = try await cloud.action(id, ["os-migrateLive": ["host": .string(source), "block_migration": "auto"]])
            XCTAssertEqual(asynchronous.status, 202)
            try await cloud.eventually("the second check fails") {
                try await cloud.migrations(query: "instance_uuid=\(id)&status=error").count == 2
            }
            let back = try await cloud.waitFor(id, status: "ACTIVE")
            XCTAssertEqual(back["OS-EXT-SRV-ATTR:host"]?.stringValue, source)
            try await XCTAssertEqualAsync(try await cloud.allocations(consumer: id), [provider: Self.tiny])

            let unknown = try await cloud.action(id, ["os-migrateLive": ["host": "nowhere", "block_migration": "auto"]])
            XCTAssertEqual(unknown.status, 400)
            XCTAssertEqual(unknown.json?["badRequest"]?["message"]?.stringValue, "Compute host nowhere could not be found.")
            let missing = try await cloud.action(id, ["os-migrateLive": ["host": .null]])
            XCTAssertEqual(missing.status, 400)
            let overCommit = try await cloud.action(
                id, ["os-migrateLive": ["host": .null, "block_migration": false, "disk_over_commit": false]], version: "2.25")
            XCTAssertEqual(overCommit.status, 400, "disk_over_commit is gone from 2.25")
            let autoTooEarly = try await cloud.action(
                id, ["os-migrateLive": ["host": .null, "block_migration": "auto", "disk_over_commit": false]], version: "2.24")
            XCTAssertEqual(autoTooEarly.status, 400, "auto from 2.25")
            let forceWithoutHost = try await cloud.action(
                id, ["os-migrateLive": ["host": .null, "block_migration": "auto", "force": true]], version: "2.30")
            XCTAssertEqual(forceWithoutHost.json?["badRequest"]?["message"]?.stringValue, "Can't force to a non-provided destination")
            let forceGone = try await cloud.action(
                id, ["os-migrateLive": ["host": .null, "block_migration": "auto", "force": false]], version: "2.68")
            XCTAssertEqual(forceGone.status, 400, "force is refused from 2.68")

            try await cloud.setForcedDown(source, true)
            let sourceDown = try await cloud.action(
                id, ["os-migrateLive": ["host": .null, "block_migration": false, "disk_over_commit": false]], version: "2.1")
            XCTAssertEqual(
                sourceDown.json?["badRequest"]?["message"]?.stringValue,
                "Compute service of \(source) is unavailable at this time.", "the source carries out the transfer")
            try await cloud.setForcedDown(source, false)
            try await cloud.waitFor(id, status: "ACTIVE")

            try await XCTAssertEqualAsync(try await cloud.action(id, ["os-stop": .null]).status, 202)
            try await cloud.waitFor(id, status: "SHUTOFF")
            let stopped = try await cloud.action(id, Self.auto)
            XCTAssertEqual(stopped.status, 409)
            XCTAssertEqual(
                stopped.json?["conflictingRequest"]?["message"]?.stringValue,
                "Cannot 'os-migrateLive' instance \(id) while it is in vm_state stopped")
        }
    }

    func testAFailedTransferLeavesTheServerOnItsSource() async throws {
        try await ComputeLiveCloud.run(hosts: 2, faults: "live_migration=fail") { cloud in
            let id = try await cloud.createServer("stuck")
            try await cloud.waitFor(id, status: "ACTIVE")
            let source = try await cloud.host(of: id)
            let provider = try await XCTUnwrapAsync(try await cloud.providerUUID(host: source))
            try await XCTAssertEqualAsync(try await cloud.action(id, Self.auto).status, 202)
            let migration = try await cloud.waitForMigration(of: id, status: "error")
            let after = try await cloud.waitFor(id, status: "ACTIVE")
            XCTAssertEqual(after["OS-EXT-SRV-ATTR:host"]?.stringValue, source)
            try await XCTAssertEqualAsync(try await cloud.allocations(consumer: id), [provider: Self.tiny])
            try await XCTAssertTrueAsync(
                try await cloud.allocations(consumer: try XCTUnwrap(migration["uuid"]?.stringValue)).isEmpty)
            let destination = try XCTUnwrap(migration["dest_compute"]?.stringValue)
            try await XCTAssertTrueAsync(
                !(try await XCTUnwrap(cloud.drivers[destination]).listGuests()).contains(id), "the incoming copy is dropped")
            try await XCTAssertEqualAsync(try await XCTUnwrap(cloud.drivers[source]).info(id).state, .running)
            try await XCTAssertEqualAsync(
                try await cloud.events(of: id, action: "live-migration")["compute_live_migration"], "Error")
        }
    }

    func testAMigrationInProgressCanBeWatchedForcedAndAborted() async throws {
        try await ComputeLiveCloud.run(hosts: 2, faults: "live_migration=delay:20") { cloud in
            let fast = try await cloud.createServer("hurried")
            let slow = try await cloud.createServer("cancelled")
            try await cloud.waitFor(fast, status: "ACTIVE")
            try await cloud.waitFor(slow, status: "ACTIVE")
            let fastSource = try await cloud.host(of: fast)
            let slowSource = try await cloud.host(of: slow)

            try await XCTAssertEqualAsync(try await cloud.action(fast, Self.auto).status, 202)
            let running = try await cloud.waitForMigration(of: fast, status: "running")
            try await XCTAssertEqualAsync(try await cloud.server(fast)["status"]?.stringValue, "MIGRATING")
            let migrationID = try XCTUnwrap(running["id"]?.intValue)
            XCTAssertEqual(
                running["links"]?[0]?["href"]?.stringValue.map { $0.hasSuffix("/servers/\(fast)/migrations/\(migrationID)") },
                true)
            let listed = try await cloud.compute(.GET, "/servers/\(fast)/migrations", version: "2.80")
            XCTAssertEqual(listed.json?["migrations"]?.arrayValue?.count, 1)
            XCTAssertEqual(listed.json?["migrations"]?[0]?["server_uuid"]?.stringValue, fast)
            XCTAssertEqual(listed.json?["migrations"]?[0]?["status"]?.stringValue, "running")
            let shown = try await cloud.compute(.GET, "/servers/\(fast)/migrations/\(migrationID)", version: "2.59")
            XCTAssertEqual(shown.json?["migration"]?["uuid"], running["uuid"])
            XCTAssertNil(shown.json?["migration"]?["project_id"], "project_id from 2.80")
            let tooEarly = try await cloud.compute(.GET, "/servers/\(fast)/migrations", version: "2.22")
            XCTAssertEqual(tooEarly.status, 404, "the list is there from 2.23")
            let noSuch = try await cloud.compute(.GET, "/servers/\(fast)/migrations/999999", version: "2.23")
            XCTAssertEqual(noSuch.status, 404)

            let forced = try await cloud.compute(
                .POST, "/servers/\(fast)/migrations/\(migrationID)/action", version: "2.22", json: ["force_complete": .null])
            XCTAssertEqual(forced.status, 202)
            try await cloud.waitForMigration(of: fast, status: "completed", timeout: .seconds(10))
            let done = try await cloud.waitFor(fast, status: "ACTIVE")
            XCTAssertNotEqual(done["OS-EXT-SRV-ATTR:host"]?.stringValue, fastSource)
            let finishedList = try await cloud.compute(.GET, "/servers/\(fast)/migrations", version: "2.23")
            XCTAssertEqual(finishedList.json?["migrations"]?.arrayValue?.count, 0, "only migrations under way")
            let againForced = try await cloud.compute(
                .POST, "/servers/\(fast)/migrations/\(migrationID)/action", version: "2.22", json: ["force_complete": .null])
            XCTAssertEqual(againForced.status, 409, "the server is no longer migrating")

            try await XCTAssertEqualAsync(try await cloud.action(slow, Self.auto).status, 202)
            let slowRunning = try await cloud.waitForMigration(of: slow, status: "running")
            let slowID = try XCTUnwrap(slowRunning["id"]?.intValue)
            let oldAbort = try await cloud.compute(.DELETE, "/servers/\(slow)/migrations/\(slowID)", version: "2.23")
            XCTAssertEqual(oldAbort.status, 404, "abort from 2.24")
            let project = try await cloud.cloud.project("abort-project")
            let member = try await cloud.cloud.user("abort-member", projectID: project, role: "member")
            let memberAbort = try await cloud.compute(.DELETE, "/servers/\(slow)/migrations/\(slowID)", token: member, version: "2.24")
            XCTAssertEqual(memberAbort.status, 404, "another project's server is not found")
            let aborted = try await cloud.compute(.DELETE, "/servers/\(slow)/migrations/\(slowID)", version: "2.24")
            XCTAssertEqual(aborted.status, 202)
            try await cloud.waitForMigration(of: slow, status: "cancelled", timeout: .seconds(10))
            let stayed = try await cloud.waitFor(slow, status: "ACTIVE")
            XCTAssertEqual(stayed["OS-EXT-SRV-ATTR:host"]?.stringValue, slowSource)
            let slowProvider = try await XCTUnwrapAsync(try await cloud.providerUUID(host: slowSource))
            try await XCTAssertEqualAsync(try await cloud.allocations(consumer: slow), [slowProvider: Self.tiny])
            let abortAgain = try await cloud.compute(.DELETE, "/servers/\(slow)/migrations/\(slowID)", version: "2.24")
            XCTAssertEqual(abortAgain.status, 409, "nothing to abort")
        }
    }

    func testAPausedServerStaysPausedOnItsNewHost() async throws {
        try await ComputeLiveCloud.run(hosts: 2) { cloud in
            let id = try await cloud.createServer("sleepy")
            try await cloud.waitFor(id, status: "ACTIVE")
            let source = try await cloud.host(of: id)
            try await XCTAssertEqualAsync(try await cloud.action(id, ["pause": .null]).status, 202)
            try await cloud.waitFor(id, status: "PAUSED")
            let destination = source == "compute1" ? "compute2" : "compute1"
            let answer = try await cloud.action(
                id, ["os-migrateLive": ["host": .string(destination), "block_migration": false]], version: "2.30")
            XCTAssertEqual(answer.status, 202)
            try await cloud.waitForMigration(of: id, status: "completed")
            let moved = try await cloud.waitFor(id, status: "PAUSED")
            XCTAssertEqual(moved["OS-EXT-SRV-ATTR:host"]?.stringValue, destination)
            try await XCTAssertEqualAsync(try await XCTUnwrap(cloud.drivers[destination]).info(id).state, .paused)
        }
    }
}
