import Foundation
import StratusKit
import StratusTestSupport
import XCTest

/// The os-migrations rows that resize and cold migration write, their statuses through
/// confirm and revert, the instance action events, and the 2.59 / 2.80 list options.
final class MigrationRecordTests: XCTestCase {
    func testResizeRecordsAMigrationThroughConfirm() async throws {
        try await ComputeLiveCloud.run(hosts: 2) { cloud in
            let id = try await cloud.createServer("grow")
            let before = try await cloud.waitFor(id, status: "ACTIVE")
            let source = try XCTUnwrap(before["OS-EXT-SRV-ATTR:host"]?.stringValue)
            try await XCTAssertEqualAsync(try await cloud.action(id, ["resize": ["flavorRef": "2"]]).status, 202)
            try await cloud.waitFor(id, status: "VERIFY_RESIZE")
            let finished = try await cloud.waitForMigration(of: id, status: "finished")
            XCTAssertEqual(finished["migration_type"]?.stringValue, "resize")
            XCTAssertEqual(finished["source_compute"]?.stringValue, source)
            XCTAssertNotNil(finished["dest_compute"]?.stringValue)
            XCTAssertEqual(finished["old_instance_type_id"]?.intValue, 1, "m1.tiny's internal id")
            XCTAssertEqual(finished["new_instance_type_id"]?.intValue, 2, "m1.small's internal id")
            XCTAssertNotNil(finished["project_id"]?.stringValue)
            let events = try await cloud.events(of: id, action: "resize")
            XCTAssertEqual(events["conductor_migrate_server"], "Success")
            XCTAssertEqual(events["compute_finish_resize"], "Success")

            try await XCTAssertEqualAsync(try await cloud.action(id, ["confirmResize": .null]).status, 204)
            try await cloud.waitFor(id, status: "ACTIVE")
            let confirmed = try await cloud.waitForMigration(of: id, status: "confirmed")
            XCTAssertEqual(confirmed["id"], finished["id"], "one row per move")
            let migrationUUID = try XCTUnwrap(confirmed["uuid"]?.stringValue)
            try await XCTAssertTrueAsync(
                try await cloud.allocations(consumer: migrationUUID).isEmpty, "the migration's hold on the source is gone")
        }
    }

    func testColdMigrationRevertAndTheListOptions() async throws {
        try await ComputeLiveCloud.run(hosts: 2) { cloud in
            let id = try await cloud.createServer("mover")
            try await cloud.waitFor(id, status: "ACTIVE")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["migrate": .null]).status, 202)
            try await cloud.waitFor(id, status: "VERIFY_RESIZE")
            let during = try await cloud.waitForMigration(of: id, status: "finished")
            XCTAssertEqual(during["migration_type"]?.stringValue, "migration")
            XCTAssertNotEqual(during["source_compute"], during["dest_compute"])
            let migrationUUID = try XCTUnwrap(during["uuid"]?.stringValue)
            try await XCTAssertEqualAsync(
                try await cloud.allocations(consumer: migrationUUID).count, 1, "the source held by the migration")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["revertResize": .null]).status, 202)
            try await cloud.waitFor(id, status: "ACTIVE")
            try await cloud.waitForMigration(of: id, status: "reverted")
            try await XCTAssertTrueAsync(try await cloud.allocations(consumer: migrationUUID).isEmpty)

            // A second move, for the list's filters and paging.
            try await XCTAssertEqualAsync(try await cloud.action(id, ["resize": ["flavorRef": "2"]]).status, 202)
            try await cloud.waitFor(id, status: "VERIFY_RESIZE")
            let all = try await cloud.migrations(query: "instance_uuid=\(id)")
            XCTAssertEqual(all.compactMap { $0["migration_type"]?.stringValue }, ["resize", "migration"], "newest first")
            let coldMigrations = try await cloud.migrations(query: "migration_type=migration")
            XCTAssertEqual(coldMigrations.count, 1)
            let firstPage = try await cloud.compute(.GET, "/os-migrations?limit=1", version: "2.59")
            XCTAssertEqual(firstPage.json?["migrations"]?.arrayValue?.count, 1)
            let next = try XCTUnwrap(firstPage.json?["migrations_links"]?[0]?["href"]?.stringValue)
            XCTAssertTrue(next.contains("marker=\(try XCTUnwrap(all.first?["uuid"]?.stringValue))"), next)
            let secondPage = try await cloud.compute(
                .GET, "/os-migrations?limit=1&marker=\(try XCTUnwrap(all.first?["uuid"]?.stringValue))", version: "2.59")
            XCTAssertEqual(secondPage.json?["migrations"]?[0]?["uuid"], all[1]["uuid"])
            let badMarker = try await cloud.compute(.GET, "/os-migrations?marker=nope", version: "2.59")
            XCTAssertEqual(badMarker.status, 400)
            XCTAssertEqual(badMarker.json?["badRequest"]?["message"]?.stringValue, "Marker nope could not be found.")
            let unpaged = try await cloud.compute(.GET, "/os-migrations?limit=1", version: "2.58")
            XCTAssertEqual(unpaged.json?["migrations"]?.arrayValue?.count, 2, "no paging before 2.59")

            let project = try XCTUnwrap(all.first?["project_id"]?.stringValue)
            try await XCTAssertEqualAsync(try await cloud.migrations(query: "project_id=\(project)").count, 2)
            try await XCTAssertEqualAsync(try await cloud.migrations(query: "project_id=someone-else").count, 0)
            try await XCTAssertEqualAsync(
                try await cloud.migrations(query: "project_id=someone-else", version: "2.79").count, 2,
                "project_id filters from 2.80")
            let future = "2999-01-01T00:00:00Z"
            try await XCTAssertEqualAsync(try await cloud.migrations(query: "changes-since=\(future)", version: "2.59").count, 0)
            let inverted = try await cloud.compute(
                .GET, "/os-migrations?changes-since=\(future)&changes-before=2000-01-01T00:00:00Z", version: "2.66")
            XCTAssertEqual(inverted.status, 400)
        }
    }
}
