import SQLKit
import StratusKit

/// Reading one migration back and moving it along: the conductor and the agents record
/// where a move stands (`dest_compute` once the scheduler chose, then each status).
extension ComputeQueries {
    /// The migration with `uuid` (also the Placement consumer holding its source resources).
    func migration(uuid: String) async throws -> MigrationRecord? {
        try await migrations(where: "uuid", equals: uuid).first
    }

    /// The migrations of one server, newest first.
    func migrations(ofInstance instanceUUID: String) async throws -> [MigrationRecord] {
        try await migrations(where: "instance_uuid", equals: instanceUUID)
    }

    /// Migrations whose source host is `host`, newest first (an evacuated host's clean-up).
    func migrations(fromHost host: String, type: String, status: String) async throws -> [MigrationRecord] {
        try await migrations(where: "source_compute", equals: host).filter { $0.migrationType == type && $0.status == status }
    }

    private func migrations(where column: String, equals value: String) async throws -> [MigrationRecord] {
        try await sql.select().columns(Self.migrationColumns).from("migrations")
            .where(SQLIdentifier(column), .equal, SQLBind(value))
            .orderBy("created_at", .descending).orderBy("id", .descending).all().map(Self.migration)
    }

    /// Moves the migration with `uuid` to `status`, and records its destination when given.
    func updateMigration(
        uuid: String, status: String, destCompute: String? = nil, destNode: String? = nil, at now: Timestamp = .now()
    ) async throws {
        var update = sql.update("migrations").set("status", to: SQLBind(status)).set("updated_at", to: SQLBind(now.microseconds))
        if let destCompute { update = update.set("dest_compute", to: SQLBind(destCompute)) }
        if let destNode { update = update.set("dest_node", to: SQLBind(destNode)) }
        try await update.where("uuid", .equal, uuid).run()
    }

    /// The internal id of a flavor (the migration's `old_instance_type_id` / `new_instance_type_id`).
    func flavorInternalID(_ flavorID: String) async throws -> Int64? {
        try await flavor(flavorID: flavorID)?.internalID
    }
}
