import HTTPTypes
import StratusKit
import XCTest

@testable import Compute

/// `os-migrations`: the records the conductor writes, newest first, filtered, by microversion.
final class MigrationTests: XCTestCase {
    func testListFiltersAndFields() async throws {
        try await ComputeTestCloud.run { cloud in
            let instance = IDGenerator.uuid()
            let first = try await cloud.queries { q in
                try await q.insertMigration(
                    MigrationRecord(
                        id: 0, uuid: "", instanceUUID: instance, sourceCompute: "h1", destCompute: "h2", sourceNode: "n1",
                        destNode: "n2", destHost: "192.0.2.2", migrationType: "resize", status: "migrating",
                        oldInstanceTypeID: 1, newInstanceTypeID: 2, projectID: "p1", userID: "u1",
                        createdAt: Timestamp.now().adding(seconds: -60), updatedAt: nil))
            }
            let second = try await cloud.queries { q in
                try await q.insertMigration(
                    MigrationRecord(
                        id: 0, uuid: "", instanceUUID: IDGenerator.uuid(), sourceCompute: "h3", destCompute: "h4",
                        sourceNode: nil, destNode: nil, destHost: nil, migrationType: "live-migration", status: "running",
                        oldInstanceTypeID: nil, newInstanceTypeID: nil, projectID: "p1", userID: "u1", createdAt: .now(),
                        updatedAt: nil))
            }
            try await cloud.queries { q in try await q.updateMigrationStatus(id: first.id, to: "finished") }

            let list = try await cloud.call(.get, "/v2.1/os-migrations", version: "2.80")
            let migrations = try XCTUnwrap(list.json?["migrations"]?.arrayValue)
            XCTAssertEqual(migrations.compactMap { $0["id"]?.intValue }, [second.id, first.id], "newest first")
            XCTAssertEqual(migrations[1]["status"]?.stringValue, "finished")
            XCTAssertEqual(migrations[1]["uuid"]?.stringValue, first.uuid)
            XCTAssertEqual(migrations[1]["project_id"]?.stringValue, "p1")
            XCTAssertEqual(migrations[1]["old_instance_type_id"]?.intValue, 1)
            XCTAssertNotEqual(migrations[1]["updated_at"], .null)

            let old = try await cloud.call(.get, "/v2.1/os-migrations", version: "2.1")
            XCTAssertNil(old.json?["migrations"]?[0]?["migration_type"], "migration_type from 2.23")
            XCTAssertNil(old.json?["migrations"]?[0]?["uuid"], "uuid from 2.59")
            let byHost = try await cloud.call(.get, "/v2.1/os-migrations?host=h2")
            XCTAssertEqual(byHost.json?["migrations"]?.arrayValue?.count, 1)
            let byType = try await cloud.call(.get, "/v2.1/os-migrations?migration_type=live-migration", version: "2.23")
            XCTAssertEqual(byType.json?["migrations"]?[0]?["id"]?.intValue, second.id)
            let byInstance = try await cloud.call(.get, "/v2.1/os-migrations?instance_uuid=\(instance)")
            XCTAssertEqual(byInstance.json?["migrations"]?.arrayValue?.count, 1)

            let member = try await cloud.identity.project("dev")
            let refused = try await cloud.call(.get, "/v2.1/os-migrations", token: member.token)
            XCTAssertEqual(refused.status, .forbidden)
        }
    }
}
