import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `/os-migrations`: every migration, newest first, filtered by `host` (source or
    /// destination), `source_compute`, `status`, `instance_uuid` and (2.23) `migration_type`;
    /// from 2.59 paged (`limit`, `marker` = a migration's uuid, `migrations_links`) and
    /// filtered by `changes-since` (and `changes-before` from 2.66) on `updated_at`; from
    /// 2.80 by `user_id` and `project_id`. In the body `migration_type` and, for a live
    /// migration under way, `links` from 2.23, `uuid` from 2.59, `user_id` and `project_id`
    /// from 2.80.
    func registerMigrations(on router: Router<StratusRequestContext>) {
        router.get("/v2.1/os-migrations") { request, context in
            let version = Self.version(context)
            let filter = try MigrationFilter(request, version: version)
            let all = try await manager.migrations(try context.requireAuth())
            let page =
                version.isAtLeast(2, 59)
                ? try ListPage(limit: request.query("limit"), marker: request.query("marker")) : ListPage.unlimited
            let migrations = try page.apply(
                all, key: \.uuid, markerMissing: ComputeErrors.badRequest("Marker \(page.marker ?? "") could not be found."),
                matching: filter.matches)
            var body: [String: JSONValue] = [
                "migrations": .array(migrations.map { migrationBody($0, version: version) })
            ]
            if version.isAtLeast(2, 59), page.isFull(migrations.count), let last = migrations.last {
                body["migrations_links"] = ComputeWire.nextLinks(versionedURL + "/os-migrations", request, marker: last.uuid)
            }
            return Self.respond(.object(body))
        }
    }

    func migrationBody(_ migration: MigrationRecord, version: Microversion) -> JSONValue {
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
        if version.isAtLeast(2, 23) {
            body["migration_type"] = .string(migration.migrationType)
            if migration.migrationType == "live-migration", ComputeManager.liveMigrationInProgress.contains(migration.status) {
                body["links"] = ComputeWire.links(self, "servers/\(migration.instanceUUID)/migrations", "\(migration.id)")
            }
        }
        if version.isAtLeast(2, 59) { body["uuid"] = .string(migration.uuid) }
        if version.isAtLeast(2, 80) {
            body["user_id"] = .optional(migration.userID)
            body["project_id"] = .optional(migration.projectID)
        }
        return .object(body)
    }
}

/// The query filters of `GET /os-migrations` the request's microversion knows.
struct MigrationFilter: Sendable {
    var host: String?
    var sourceCompute: String?
    var status: String?
    var instanceUUID: String?
    var migrationType: String?
    var changesSince: Timestamp?
    var changesBefore: Timestamp?
    var userID: String?
    var projectID: String?

    init(_ request: Request, version: Microversion) throws {
        host = request.query("host")
        sourceCompute = request.query("source_compute")
        status = request.query("status")
        instanceUUID = request.query("instance_uuid")
        if version.isAtLeast(2, 23) { migrationType = request.query("migration_type") }
        if version.isAtLeast(2, 59) { changesSince = try Self.time(request, "changes-since") }
        if version.isAtLeast(2, 66) {
            changesBefore = try Self.time(request, "changes-before")
            if let changesSince, let changesBefore, changesBefore < changesSince {
                throw ComputeErrors.badRequest("The value of changes-since must be less than or equal to changes-before.")
            }
        }
        if version.isAtLeast(2, 80) {
            userID = request.query("user_id")
            projectID = request.query("project_id")
        }
    }

    private static func time(_ request: Request, _ name: String) throws -> Timestamp? {
        guard let text = request.query(name) else { return nil }
        guard let time = Timestamp.parse(text) else {
            throw ComputeErrors.invalidInput(name, .string(text), "'\(text)' is not a 'date-time'")
        }
        return time
    }

    func matches(_ migration: MigrationRecord) -> Bool {
        if let host, migration.sourceCompute != host, migration.destCompute != host { return false }
        if let sourceCompute, migration.sourceCompute != sourceCompute { return false }
        if let status, migration.status != status { return false }
        if let instanceUUID, migration.instanceUUID != instanceUUID { return false }
        if let migrationType, migration.migrationType != migrationType { return false }
        if let changesSince, (migration.updatedAt.map { $0 < changesSince } ?? true) { return false }
        if let changesBefore, (migration.updatedAt.map { $0 > changesBefore } ?? true) { return false }
        if let userID, migration.userID != userID { return false }
        if let projectID, migration.projectID != projectID { return false }
        return true
    }
}
