import SQLKit
import StratusKit

/// A migration of an instance between hosts (resize, cold or live migration, evacuation).
struct MigrationRecord: Sendable, Equatable {
    var id: Int64
    var uuid: String
    var instanceUUID: String
    var sourceCompute: String?
    var destCompute: String?
    var sourceNode: String?
    var destNode: String?
    var destHost: String?
    /// `migration`, `resize`, `live-migration` or `evacuation`.
    var migrationType: String
    var status: String
    var oldInstanceTypeID: Int64?
    var newInstanceTypeID: Int64?
    var projectID: String?
    var userID: String?
    var createdAt: Timestamp
    var updatedAt: Timestamp?
}

extension ComputeQueries {
    static let migrationColumns = [
        "id", "uuid", "instance_uuid", "source_compute", "dest_compute", "source_node", "dest_node", "dest_host",
        "migration_type", "status", "old_instance_type_id", "new_instance_type_id", "project_id", "user_id", "created_at",
        "updated_at",
    ]

    static func migration(_ row: any SQLRow) throws -> MigrationRecord {
        MigrationRecord(
            id: try row.decode(column: "id", as: Int64.self), uuid: try row.string("uuid"),
            instanceUUID: try row.string("instance_uuid"), sourceCompute: try row.optionalString("source_compute"),
            destCompute: try row.optionalString("dest_compute"), sourceNode: try row.optionalString("source_node"),
            destNode: try row.optionalString("dest_node"), destHost: try row.optionalString("dest_host"),
            migrationType: try row.string("migration_type"), status: try row.string("status"),
            oldInstanceTypeID: try row.optionalInt64("old_instance_type_id"),
            newInstanceTypeID: try row.optionalInt64("new_instance_type_id"), projectID: try row.optionalString("project_id"),
            userID: try row.optionalString("user_id"), createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0),
            updatedAt: try row.timestamp("updated_at"))
    }

    /// Records a migration; `id` and `uuid` of `migration` are drawn here when 0 and "".
    /// The conductor calls this when a resize or migration starts.
    @discardableResult
    func insertMigration(_ migration: MigrationRecord) async throws -> MigrationRecord {
        var record = migration
        if record.id == 0 { record.id = try await nextID("migrations") }
        if record.uuid.isEmpty { record.uuid = IDGenerator.uuid() }
        try await sql.insert(into: "migrations").columns(Self.migrationColumns).values(
            SQLBind(record.id), SQLBind(record.uuid), SQLBind(record.instanceUUID), SQLBind(record.sourceCompute),
            SQLBind(record.destCompute), SQLBind(record.sourceNode), SQLBind(record.destNode), SQLBind(record.destHost),
            SQLBind(record.migrationType), SQLBind(record.status), SQLBind(record.oldInstanceTypeID),
            SQLBind(record.newInstanceTypeID), SQLBind(record.projectID), SQLBind(record.userID),
            SQLBind(record.createdAt.microseconds), SQLBind(record.updatedAt?.microseconds)
        ).run()
        return record
    }

    /// Moves a migration to `status` (and sets `updated_at`).
    func updateMigrationStatus(id: Int64, to status: String, at now: Timestamp = .now()) async throws {
        try await sql.update("migrations").set("status", to: SQLBind(status)).set("updated_at", to: SQLBind(now.microseconds))
            .where("id", .equal, id).run()
    }

    /// Every migration, newest first (by creation, then id).
    func migrations() async throws -> [MigrationRecord] {
        try await sql.select().columns(Self.migrationColumns).from("migrations").orderBy("created_at", .descending)
            .orderBy("id", .descending).all().map(Self.migration)
    }
}
