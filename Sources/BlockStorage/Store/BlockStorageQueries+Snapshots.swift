import SQLKit
import StratusKit

/// Snapshots and their metadata.
extension BlockStorageQueries {
    static let snapshotColumns = [
        "id", "volume_id", "project_id", "user_id", "name", "description", "size", "status", "progress",
        "volume_type_id", "consumes_quota", "created_at", "updated_at",
    ]

    static func snapshot(_ row: any SQLRow) throws -> SnapshotRecord {
        SnapshotRecord(
            id: try row.string("id"), volumeID: try row.string("volume_id"), projectID: try row.string("project_id"),
            userID: try row.string("user_id"), name: try row.optionalString("name"),
            description: try row.optionalString("description"), size: try row.decode(column: "size", as: Int64.self),
            status: try row.string("status"), progress: try row.string("progress"),
            volumeTypeID: try row.string("volume_type_id"), consumesQuota: try row.bool("consumes_quota"),
            createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0),
            updatedAt: try row.timestamp("updated_at"))
    }

    func insert(_ snapshot: SnapshotRecord) async throws {
        let values: [any Encodable & Sendable] = [
            snapshot.id, snapshot.volumeID, snapshot.projectID, snapshot.userID, snapshot.name, snapshot.description,
            snapshot.size, snapshot.status, snapshot.progress, snapshot.volumeTypeID, snapshot.consumesQuota,
            snapshot.createdAt.microseconds, snapshot.updatedAt?.microseconds,
        ]
        try await sql.insert(into: "snapshots").columns(Self.snapshotColumns).values(values.map { SQLBind($0) }).run()
        try await replaceKeyValues("snapshot_metadata", owner: "snapshot_id", id: snapshot.id, snapshot.metadata)
    }

    /// The snapshot with its metadata, or nil.
    func snapshot(id: String) async throws -> SnapshotRecord? {
        guard let row = try await sql.select().columns(Self.snapshotColumns).from("snapshots").where("id", .equal, id).first()
        else { return nil }
        var snapshot = try Self.snapshot(row)
        snapshot.metadata = try await keyValues("snapshot_metadata", owner: "snapshot_id", ids: [id])[id] ?? [:]
        return snapshot
    }

    /// The volume's snapshots, oldest first.
    func snapshots(volumeID: String) async throws -> [SnapshotRecord] {
        try await sql.select().columns(Self.snapshotColumns).from("snapshots").where("volume_id", .equal, volumeID)
            .orderBy("created_at").all().map(Self.snapshot)
    }

    func updateSnapshot(_ id: String, _ columns: [String: any Encodable & Sendable]) async throws {
        var update = sql.update("snapshots").set("updated_at", to: SQLBind(Timestamp.now().microseconds))
        for (column, value) in columns { update = update.set(SQLIdentifier(column), to: SQLBind(value)) }
        try await update.where("id", .equal, id).run()
    }

    /// Moves the snapshot from one of `from` to `to` (a compare-and-set); false when it was
    /// not in one of those states.
    func transitionSnapshot(
        _ id: String, from: Set<String>, to status: String, also columns: [String: any Encodable & Sendable] = [:]
    ) async throws -> Bool {
        var update = sql.update("snapshots").set("status", to: SQLBind(status))
            .set("updated_at", to: SQLBind(Timestamp.now().microseconds))
        for (column, value) in columns { update = update.set(SQLIdentifier(column), to: SQLBind(value)) }
        let rows = try await update.where("id", .equal, id).where("status", .in, Array(from)).returning("id").all()
        return !rows.isEmpty
    }

    /// Snapshots of volumes on `host@backend` in one of `statuses` (the agent's sweep).
    func snapshots(serviceHost: String, statuses: [String]) async throws -> [SnapshotRecord] {
        try await sql.select().columns(Self.snapshotColumns.map { SQLColumn($0, table: "snapshots") }).from("snapshots")
            .join("volumes", on: SQLColumn("volume_id", table: "snapshots"), .equal, SQLColumn("id", table: "volumes"))
            .where(SQLColumn("host", table: "volumes"), .like, SQLBind(serviceHost + "#%"))
            .where(SQLColumn("status", table: "snapshots"), .in, SQLBind.group(statuses))
            .all().map(Self.snapshot)
    }

    func deleteSnapshotRow(_ id: String) async throws {
        try await sql.delete(from: "snapshot_metadata").where("snapshot_id", .equal, id).run()
        try await sql.delete(from: "snapshots").where("id", .equal, id).run()
    }
}
