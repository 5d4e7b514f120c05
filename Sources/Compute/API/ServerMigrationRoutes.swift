import Hummingbird
import StratusKit

/// `/servers/{id}/migrations`: the server's live migrations under way (list and show from
/// 2.23), `force_complete` (2.22) and abort (`DELETE`, 2.24; a `queued` one from 2.65).
extension ComputeAPI {
    func registerServerMigrations(on router: Router<StratusRequestContext>) {
        router.get("/v2.1/servers/{server_id}/migrations") { _, context in
            try Self.require(context, 2, 23)
            let uuid = try context.parameters.require("server_id")
            let migrations = try await manager.inProgressLiveMigrations(uuid, try context.requireAuth())
            let version = Self.version(context)
            return Self.respond(["migrations": .array(migrations.map { Self.serverMigrationBody($0, version: version) })])
        }
        router.get("/v2.1/servers/{server_id}/migrations/{migration_id}") { _, context in
            try Self.require(context, 2, 23)
            let uuid = try context.parameters.require("server_id")
            let id = try context.parameters.require("migration_id")
            let migration = try await manager.inProgressLiveMigration(uuid, id: id, try context.requireAuth())
            return Self.respond(["migration": Self.serverMigrationBody(migration, version: Self.version(context))])
        }
        router.post("/v2.1/servers/{server_id}/migrations/{migration_id}/action") { request, context in
            try Self.require(context, 2, 22)
            let auth = try context.requireAuth()
            let uuid = try context.parameters.require("server_id")
            let id = try context.parameters.require("migration_id")
            let body = try await Self.body(request, context)
            guard body.count == 1, let value = body["force_complete"] else {
                throw ComputeErrors.badRequest("There is no such action: \(body.keys.sorted().joined(separator: ","))")
            }
            guard value == .null else {
                throw ComputeErrors.invalidInput("force_complete", value, "\(value.jsonText()) is not of type 'null'")
            }
            try await manager.forceCompleteLiveMigration(uuid, id: id, auth, requestID: context.requestID)
            return JSONResponse.empty(.accepted)
        }
        router.delete("/v2.1/servers/{server_id}/migrations/{migration_id}") { _, context in
            try Self.require(context, 2, 24)
            let auth = try context.requireAuth()
            let uuid = try context.parameters.require("server_id")
            let id = try context.parameters.require("migration_id")
            try await manager.abortLiveMigration(
                uuid, id: id, abortQueued: Self.version(context).isAtLeast(2, 65), auth, requestID: context.requestID)
            return JSONResponse.empty(.accepted)
        }
    }

    /// A server's migration: the os-migrations fields under `server_uuid`, with the transfer's
    /// byte counts (null: the driver reports none); `uuid` from 2.59, `user_id` and
    /// `project_id` from 2.80.
    static func serverMigrationBody(_ migration: MigrationRecord, version: Microversion) -> JSONValue {
        var body: [String: JSONValue] = [
            "id": .int(migration.id), "server_uuid": .string(migration.instanceUUID), "status": .string(migration.status),
            "source_compute": .optional(migration.sourceCompute), "source_node": .optional(migration.sourceNode),
            "dest_compute": .optional(migration.destCompute), "dest_node": .optional(migration.destNode),
            "dest_host": .optional(migration.destHost), "created_at": .string(migration.createdAt.iso8601NoZone),
            "updated_at": .optional(migration.updatedAt?.iso8601NoZone),
        ]
        for key in [
            "memory_total_bytes", "memory_processed_bytes", "memory_remaining_bytes", "disk_total_bytes",
            "disk_processed_bytes", "disk_remaining_bytes",
        ] {
            body[key] = .null
        }
        if version.isAtLeast(2, 59) { body["uuid"] = .string(migration.uuid) }
        if version.isAtLeast(2, 80) {
            body["user_id"] = .optional(migration.userID)
            body["project_id"] = .optional(migration.projectID)
        }
        return .object(body)
    }
}
