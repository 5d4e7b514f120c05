import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `/os-migrations`: every migration, newest first, filtered by `host` (source or
    /// destination), `status`, `instance_uuid` and `migration_type`; `migration_type` in the
    /// body from 2.23, `uuid` from 2.59, `user_id` and `project_id` from 2.80.
    func registerMigrations(on router: Router<StratusRequestContext>) {
        router.get("/v2.1/os-migrations") { request, context in
            let version = Self.version(context)
            let host = request.query("host")
            let status = request.query("status")
            let instance = request.query("instance_uuid")
            let type = version.isAtLeast(2, 23) ? request.query("migration_type") : nil
            let migrations = try await manager.migrations(try context.requireAuth()).filter { migration in
                (host == nil || migration.sourceCompute == host || migration.destCompute == host)
                    && (status == nil || migration.status == status) && (instance == nil || migration.instanceUUID == instance)
                    && (type == nil || migration.migrationType == type)
            }
            return Self.respond(["migrations": .array(migrations.map { Self.migrationBody($0, version: version) })])
        }
    }

    static func migrationBody(_ migration: MigrationRecord, version: Microversion) -> JSONValue {
        var body: [String: JSONValue] = [
            "id": .int(migration.id), "instance_uuid": .string(migration.instanceUUID),
            "source_compute": .optional(migration.sourceCompute), "dest_compute": .optional(migration.destCompute),
            "source_node": .optional(migration.sourceNode), "dest_node": .optional(migration.destNode),
            "dest_host": .optional(migration.destHost), "status": .string(migration.status),
            "old_instance_type_id": migration.oldInstanceTypeID.map { .int($0) } ?? .null,
            "new_instance_type_id": migration.newInstanceTypeID.map { .int($0) } ?? .null,
            "created_at": .string(migration.createdAt.iso8601NoZone),
            "updated_at": .optional(migration.updatedAt?.iso8601NoZone),
        ]
        if version.isAtLeast(2, 23) { body["migration_type"] = .string(migration.migrationType) }
        if version.isAtLeast(2, 59) { body["uuid"] = .string(migration.uuid) }
        if version.isAtLeast(2, 80) {
            body["user_id"] = .optional(migration.userID)
            body["project_id"] = .optional(migration.projectID)
        }
        return .object(body)
    }
}
