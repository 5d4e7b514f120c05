import Foundation
import SQLKit
import StratusKit

/// Backups.
extension BlockStorageQueries {
    static let backupColumns = [
        "id", "volume_id", "snapshot_id", "project_id", "user_id", "name", "description", "size", "status",
        "fail_reason", "container", "availability_zone", "host", "is_incremental", "parent_id", "object_count",
        "metadata", "data_timestamp", "restore_volume_id", "created_at", "updated_at",
    ]

    static func backup(_ row: any SQLRow) throws -> BackupRecord {
        let metadata = JSONValue.parse(try row.string("metadata"))?.objectValue?.compactMapValues(\.stringValue) ?? [:]
        return BackupRecord(
            id: try row.string("id"), volumeID: try row.string("volume_id"), snapshotID: try row.optionalString("snapshot_id"),
            projectID: try row.string("project_id"), userID: try row.string("user_id"), name: try row.optionalString("name"),
            description: try row.optionalString("description"), size: try row.decode(column: "size", as: Int64.self),
            status: try row.string("status"), failReason: try row.optionalString("fail_reason"),
            container: try row.optionalString("container"), availabilityZone: try row.optionalString("availability_zone"),
            host: try row.optionalString("host"), isIncremental: try row.bool("is_incremental"),
            parentID: try row.optionalString("parent_id"),
            objectCount: try row.decode(column: "object_count", as: Int64.self), metadata: metadata,
            dataTimestamp: try row.timestamp("data_timestamp") ?? Timestamp(microseconds: 0),
            restoreVolumeID: try row.optionalString("restore_volume_id"),
            createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0),
            updatedAt: try row.timestamp("updated_at"))
    }

    static func metadataText(_ metadata: [String: String]) -> String {
        JSONValue.object(metadata.mapValues(JSONValue.string)).jsonText()
    }

    func insert(_ backup: BackupRecord) async throws {
        let values: [any Encodable & Sendable] = [
            backup.id, backup.volumeID, backup.snapshotID, backup.projectID, backup.userID, backup.name,
            backup.description, backup.size, backup.status, backup.failReason, backup.container, backup.availabilityZone,
            backup.host, backup.isIncremental, backup.parentID, backup.objectCount, Self.metadataText(backup.metadata),
            backup.dataTimestamp.microseconds, backup.restoreVolumeID, backup.createdAt.microseconds,
            backup.updatedAt?.microseconds,
        ]
        try await sql.insert(into: "backups").columns(Self.backupColumns).values(values.map { SQLBind($0) }).run()
    }

    func backup(id: String) async throws -> BackupRecord? {
        try await sql.select().columns(Self.backupColumns).from("backups").where("id", .equal, id).first().map(Self.backup)
    }

    /// The volume's backups, newest data first.
    func backups(volumeID: String) async throws -> [BackupRecord] {
        try await sql.select().columns(Self.backupColumns).from("backups").where("volume_id", .equal, volumeID)
            .orderBy("data_timestamp", .descending).orderBy("created_at", .descending).all().map(Self.backup)
    }

    /// Backups made by `host@backend` in one of `statuses` (the agent's sweep).
    func backups(host: String, statuses: [String]) async throws -> [BackupRecord] {
        try await sql.select().columns(Self.backupColumns).from("backups").where("host", .equal, host)
            .where("status", .in, statuses).all().map(Self.backup)
    }

    /// Ids among `ids` that other backups build on (`has_dependent_backups`).
    func backupIDsWithDependents(_ ids: [String]) async throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        let rows = try await sql.select().column("parent_id").from("backups").where("parent_id", .in, ids).all()
        return Set(try rows.map { try $0.string("parent_id") })
    }

    func updateBackup(_ id: String, _ columns: [String: any Encodable & Sendable]) async throws {
        var update = sql.update("backups").set("updated_at", to: SQLBind(Timestamp.now().microseconds))
        for (column, value) in columns { update = update.set(SQLIdentifier(column), to: SQLBind(value)) }
        try await update.where("id", .equal, id).run()
    }

    /// Moves the backup from one of `from` to `to` (a compare-and-set); false when it was not
    /// in one of those states.
    func transitionBackup(
        _ id: String, from: Set<String>, to status: String, also columns: [String: any Encodable & Sendable] = [:]
    ) async throws -> Bool {
        var update = sql.update("backups").set("status", to: SQLBind(status))
            .set("updated_at", to: SQLBind(Timestamp.now().microseconds))
        for (column, value) in columns { update = update.set(SQLIdentifier(column), to: SQLBind(value)) }
        let rows = try await update.where("id", .equal, id).where("status", .in, Array(from)).returning("id").all()
        return !rows.isEmpty
    }

    func deleteBackupRow(_ id: String) async throws {
        try await sql.delete(from: "backups").where("id", .equal, id).run()
    }
}
