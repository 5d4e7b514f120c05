import SQLKit
import StratusKit

/// The Block Storage store's queries on one connection (inside a transaction for writes).
/// Lists read each kind of data in one query for the whole page.
struct BlockStorageQueries: Sendable {
    let sql: any SQLDatabase

    // MARK: Volumes

    static let volumeColumns = [
        "id", "project_id", "user_id", "name", "description", "size", "status", "previous_status", "attach_status",
        "migration_status", "availability_zone", "volume_type_id", "host", "snapshot_id", "source_volid", "image_id",
        "backup_id", "bootable", "multiattach", "readonly", "consumes_quota", "created_at", "updated_at", "launched_at",
    ]

    static func volume(_ row: any SQLRow) throws -> VolumeRecord {
        VolumeRecord(
            id: try row.string("id"), projectID: try row.string("project_id"), userID: try row.string("user_id"),
            name: try row.optionalString("name"), description: try row.optionalString("description"),
            size: try row.decode(column: "size", as: Int64.self), status: try row.string("status"),
            previousStatus: try row.optionalString("previous_status"), attachStatus: try row.string("attach_status"),
            migrationStatus: try row.optionalString("migration_status"),
            availabilityZone: try row.string("availability_zone"), volumeTypeID: try row.string("volume_type_id"),
            host: try row.optionalString("host"), snapshotID: try row.optionalString("snapshot_id"),
            sourceVolumeID: try row.optionalString("source_volid"), imageID: try row.optionalString("image_id"),
            backupID: try row.optionalString("backup_id"), bootable: try row.bool("bootable"),
            multiattach: try row.bool("multiattach"), readonly: try row.bool("readonly"),
            consumesQuota: try row.bool("consumes_quota"),
            createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0),
            updatedAt: try row.timestamp("updated_at"), launchedAt: try row.timestamp("launched_at"))
    }

    func insert(_ volume: VolumeRecord) async throws {
        let values: [any Encodable & Sendable] = [
            volume.id, volume.projectID, volume.userID, volume.name, volume.description, volume.size, volume.status,
            volume.previousStatus, volume.attachStatus, volume.migrationStatus, volume.availabilityZone,
            volume.volumeTypeID, volume.host, volume.snapshotID, volume.sourceVolumeID, volume.imageID, volume.backupID,
            volume.bootable, volume.multiattach, volume.readonly, volume.consumesQuota, volume.createdAt.microseconds,
            volume.updatedAt?.microseconds, volume.launchedAt?.microseconds,
        ]
        try await sql.insert(into: "volumes").columns(Self.volumeColumns).values(values.map { SQLBind($0) }).run()
        try await replaceKeyValues("volume_metadata", owner: "volume_id", id: volume.id, volume.metadata)
        try await replaceKeyValues("volume_image_metadata", owner: "volume_id", id: volume.id, volume.imageMetadata)
    }

    /// The volume with its metadata and attachments, or nil.
    func volume(id: String, forUpdate: Bool = false, kind: DatabaseKind = .sqlite) async throws -> VolumeRecord? {
        var query = sql.select().columns(Self.volumeColumns).from("volumes").where("id", .equal, id)
        if forUpdate, kind == .postgres { query = query.lockingClause(SQLLockingClause.update) }
        guard let row = try await query.first() else { return nil }
        return try await withDetails([try Self.volume(row)]).first
    }

    /// Fills metadata, image metadata and live attachments of `volumes` in three queries.
    func withDetails(_ volumes: [VolumeRecord]) async throws -> [VolumeRecord] {
        guard !volumes.isEmpty else { return volumes }
        let ids = volumes.map(\.id)
        let metadata = try await keyValues("volume_metadata", owner: "volume_id", ids: ids)
        let imageMetadata = try await keyValues("volume_image_metadata", owner: "volume_id", ids: ids)
        let attachments = try await attachments(volumeIDs: ids)
        return volumes.map { volume in
            var volume = volume
            volume.metadata = metadata[volume.id] ?? [:]
            volume.imageMetadata = imageMetadata[volume.id] ?? [:]
            volume.attachments = attachments[volume.id] ?? []
            return volume
        }
    }

    /// Sets the columns of the volume (and `updated_at`); false when it does not exist.
    @discardableResult
    func updateVolume(_ id: String, _ columns: [String: any Encodable & Sendable]) async throws -> Bool {
        var update = sql.update("volumes").set("updated_at", to: SQLBind(Timestamp.now().microseconds))
        for (column, value) in columns { update = update.set(SQLIdentifier(column), to: SQLBind(value)) }
        let rows = try await update.where("id", .equal, id).returning("id").all()
        return !rows.isEmpty
    }

    /// Moves the volume from one of `from` to `to` (a compare-and-set); false when it was not
    /// in one of those states, so two requests cannot both act on one volume.
    func transitionVolume(
        _ id: String, from: Set<String>, to status: String, also columns: [String: any Encodable & Sendable] = [:]
    ) async throws -> Bool {
        var update = sql.update("volumes").set("status", to: SQLBind(status))
            .set("updated_at", to: SQLBind(Timestamp.now().microseconds))
        for (column, value) in columns { update = update.set(SQLIdentifier(column), to: SQLBind(value)) }
        let rows = try await update.where("id", .equal, id).where("status", .in, Array(from)).returning("id").all()
        return !rows.isEmpty
    }

    func deleteVolumeRow(_ id: String) async throws {
        try await sql.delete(from: "volume_metadata").where("volume_id", .equal, id).run()
        try await sql.delete(from: "volume_image_metadata").where("volume_id", .equal, id).run()
        try await sql.delete(from: "volume_attachments").where("volume_id", .equal, id).run()
        try await sql.delete(from: "volumes").where("id", .equal, id).run()
    }

    /// Volumes of `host@backend` in one of `statuses` (the agent's level-triggered sweep).
    func volumes(serviceHost: String, statuses: [String]) async throws -> [VolumeRecord] {
        try await sql.select().columns(Self.volumeColumns).from("volumes")
            .where("host", .like, serviceHost + "#%").where("status", .in, statuses).all().map(Self.volume)
    }

    // MARK: Key/value tables

    func keyValues(_ table: String, owner: String, ids: [String]) async throws -> [String: [String: String]] {
        guard !ids.isEmpty else { return [:] }
        var result: [String: [String: String]] = [:]
        for row in try await sql.select().columns(owner, "key", "value").from(table).where(SQLIdentifier(owner), .in, ids).all() {
            result[try row.string(owner), default: [:]][try row.string("key")] = try row.string("value")
        }
        return result
    }

    func replaceKeyValues(_ table: String, owner: String, id: String, _ values: [String: String]) async throws {
        try await sql.delete(from: table).where(SQLIdentifier(owner), .equal, id).run()
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            try await sql.insert(into: table).columns(owner, "key", "value")
                .values(SQLBind(id), SQLBind(key), SQLBind(value)).run()
        }
    }

    // MARK: Attachments

    static let attachmentColumns = [
        "id", "volume_id", "project_id", "instance_uuid", "attached_host", "mountpoint", "attach_status", "attach_mode",
        "connector", "connection_info", "attach_time", "detach_time", "created_at", "updated_at",
    ]

    static func attachment(_ row: any SQLRow) throws -> AttachmentRecord {
        AttachmentRecord(
            id: try row.string("id"), volumeID: try row.string("volume_id"), projectID: try row.string("project_id"),
            instanceUUID: try row.optionalString("instance_uuid"), attachedHost: try row.optionalString("attached_host"),
            mountpoint: try row.optionalString("mountpoint"), attachStatus: try row.string("attach_status"),
            attachMode: try row.string("attach_mode"),
            connector: try row.optionalString("connector").flatMap(JSONValue.parse),
            connectionInfo: try row.optionalString("connection_info").flatMap(JSONValue.parse),
            attachTime: try row.timestamp("attach_time"), detachTime: try row.timestamp("detach_time"),
            createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0),
            updatedAt: try row.timestamp("updated_at"))
    }

    func attachments(volumeIDs: [String]) async throws -> [String: [AttachmentRecord]] {
        guard !volumeIDs.isEmpty else { return [:] }
        var result: [String: [AttachmentRecord]] = [:]
        let rows = try await sql.select().columns(Self.attachmentColumns).from("volume_attachments")
            .where("volume_id", .in, volumeIDs).orderBy("created_at").all()
        for row in rows {
            let attachment = try Self.attachment(row)
            result[attachment.volumeID, default: []].append(attachment)
        }
        return result
    }

    func attachment(id: String) async throws -> AttachmentRecord? {
        try await sql.select().columns(Self.attachmentColumns).from("volume_attachments").where("id", .equal, id)
            .first().map(Self.attachment)
    }

    func insert(_ attachment: AttachmentRecord) async throws {
        let values: [any Encodable & Sendable] = [
            attachment.id, attachment.volumeID, attachment.projectID, attachment.instanceUUID, attachment.attachedHost,
            attachment.mountpoint, attachment.attachStatus, attachment.attachMode, attachment.connector?.jsonText(),
            attachment.connectionInfo?.jsonText(), attachment.attachTime?.microseconds,
            attachment.detachTime?.microseconds, attachment.createdAt.microseconds, attachment.updatedAt?.microseconds,
        ]
        try await sql.insert(into: "volume_attachments").columns(Self.attachmentColumns)
            .values(values.map { SQLBind($0) }).run()
    }

    func updateAttachment(_ id: String, _ columns: [String: any Encodable & Sendable]) async throws {
        var update = sql.update("volume_attachments").set("updated_at", to: SQLBind(Timestamp.now().microseconds))
        for (column, value) in columns { update = update.set(SQLIdentifier(column), to: SQLBind(value)) }
        try await update.where("id", .equal, id).run()
    }

    func deleteAttachment(_ id: String) async throws {
        try await sql.delete(from: "volume_attachments").where("id", .equal, id).run()
    }
}
