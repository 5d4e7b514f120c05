import SQLKit
import StratusKit

/// The Image service's queries on one connection (inside a transaction for writes).
/// Lists fetch properties and tags of a whole page in one query each.
struct ImageQueries: Sendable {
    let sql: any SQLDatabase

    static let imageColumns = [
        "id", "name", "status", "visibility", "owner", "disk_format", "container_format", "size", "virtual_size",
        "checksum", "os_hash_algo", "os_hash_value", "min_disk", "min_ram", "protected", "os_hidden", "location",
        "store_id", "staged_size", "created_at", "updated_at", "deleted_at",
    ]

    static func image(_ row: any SQLRow) throws -> ImageRecord {
        guard let status = ImageStatus(rawValue: try row.string("status")),
            let visibility = ImageVisibility(rawValue: try row.string("visibility"))
        else { throw APIError(.internalServerError, "An image row holds an unknown status or visibility.") }
        return ImageRecord(
            id: try row.string("id"), name: try row.optionalString("name"), status: status, visibility: visibility,
            owner: try row.optionalString("owner"), diskFormat: try row.optionalString("disk_format"),
            containerFormat: try row.optionalString("container_format"), size: try row.optionalInt64("size"),
            virtualSize: try row.optionalInt64("virtual_size"), checksum: try row.optionalString("checksum"),
            osHashAlgo: try row.optionalString("os_hash_algo"), osHashValue: try row.optionalString("os_hash_value"),
            minDisk: try row.optionalInt64("min_disk") ?? 0, minRAM: try row.optionalInt64("min_ram") ?? 0,
            protected: try row.bool("protected"), osHidden: try row.bool("os_hidden"),
            location: try row.optionalString("location"), storeID: try row.optionalString("store_id"),
            stagedSize: try row.optionalInt64("staged_size"),
            createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0),
            updatedAt: try row.timestamp("updated_at") ?? Timestamp(microseconds: 0),
            deletedAt: try row.timestamp("deleted_at"))
    }

    // MARK: Images

    /// A live (not deleted) image with its properties and tags. `forUpdate` locks the row
    /// on PostgreSQL, so that a status change reads and writes under one lock.
    func image(id: String, forUpdate: Bool = false) async throws -> ImageRecord? {
        var query = sql.select().columns(Self.imageColumns.map { SQLColumn($0) }).from("images")
            .where("id", .equal, id).where("deleted_at", .is, SQLLiteral.null)
        if forUpdate, sql.dialect.name == "postgresql" { query = query.for(.update) }
        guard var image = try await query.first().map(Self.image) else { return nil }
        try await attachDetails(&image)
        return image
    }

    /// Whether an id was ever used, even by a deleted image.
    func imageIDExists(_ id: String) async throws -> Bool {
        try await sql.select().column("id").from("images").where("id", .equal, id).first() != nil
    }

    func attachDetails(_ image: inout ImageRecord) async throws {
        var images = [image]
        try await attachDetails(&images)
        image = images[0]
    }

    /// Fills in properties and tags of many images with two queries.
    func attachDetails(_ images: inout [ImageRecord]) async throws {
        guard !images.isEmpty else { return }
        let ids = images.map(\.id)
        var properties: [String: [String: String]] = [:]
        for row in try await sql.select().columns("image_id", "name", "value").from("image_properties")
            .where("image_id", .in, ids).all()
        {
            properties[try row.string("image_id"), default: [:]][try row.string("name")] = try row.string("value")
        }
        var tags: [String: [String]] = [:]
        for row in try await sql.select().columns("image_id", "value").from("image_tags")
            .where("image_id", .in, ids).orderBy("value").all()
        {
            tags[try row.string("image_id"), default: []].append(try row.string("value"))
        }
        for index in images.indices {
            images[index].properties = properties[images[index].id] ?? [:]
            images[index].tags = tags[images[index].id] ?? []
        }
    }

    func insert(_ image: ImageRecord) async throws {
        try await sql.insert(into: "images").columns(Self.imageColumns).values(Self.values(image)).run()
        try await setProperties(imageID: image.id, image.properties)
        try await setTags(imageID: image.id, image.tags)
    }

    /// Writes every column, the properties and the tags of an existing image.
    func update(_ image: ImageRecord) async throws {
        var query = sql.update("images")
        for (column, value) in zip(Self.imageColumns, Self.values(image)) where column != "id" {
            query = query.set(SQLIdentifier(column), to: value)
        }
        try await query.where("id", .equal, image.id).run()
        try await setProperties(imageID: image.id, image.properties)
        try await setTags(imageID: image.id, image.tags)
    }

    private static func values(_ image: ImageRecord) -> [any SQLExpression] {
        [
            SQLBind(image.id), SQLBind(image.name), SQLBind(image.status.rawValue), SQLBind(image.visibility.rawValue),
            SQLBind(image.owner), SQLBind(image.diskFormat), SQLBind(image.containerFormat), SQLBind(image.size),
            SQLBind(image.virtualSize), SQLBind(image.checksum), SQLBind(image.osHashAlgo), SQLBind(image.osHashValue),
            SQLBind(image.minDisk), SQLBind(image.minRAM), SQLBind(image.protected), SQLBind(image.osHidden),
            SQLBind(image.location), SQLBind(image.storeID), SQLBind(image.stagedSize),
            SQLBind(image.createdAt.microseconds), SQLBind(image.updatedAt.microseconds),
            SQLBind(image.deletedAt?.microseconds),
        ]
    }

    func setProperties(imageID: String, _ properties: [String: String]) async throws {
        try await sql.delete(from: "image_properties").where("image_id", .equal, imageID).run()
        guard !properties.isEmpty else { return }
        var insert = sql.insert(into: "image_properties").columns("image_id", "name", "value")
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            insert = insert.values(SQLBind(imageID), SQLBind(name), SQLBind(value))
        }
        try await insert.run()
    }

    func setTags(imageID: String, _ tags: [String]) async throws {
        try await sql.delete(from: "image_tags").where("image_id", .equal, imageID).run()
        guard !tags.isEmpty else { return }
        var insert = sql.insert(into: "image_tags").columns("image_id", "value")
        for tag in Set(tags).sorted() { insert = insert.values(SQLBind(imageID), SQLBind(tag)) }
        try await insert.run()
    }

    /// Removes what a deleted image no longer needs; the row stays as a tombstone.
    func purgeDetails(imageID: String) async throws {
        for table in ["image_properties", "image_tags", "image_members"] {
            try await sql.delete(from: table).where("image_id", .equal, imageID).run()
        }
    }

    /// Images waiting for the scrubber whose delayed-delete time has come.
    func pendingDeletes(deletedBefore: Timestamp) async throws -> [ImageRecord] {
        try await sql.select().columns(Self.imageColumns.map { SQLColumn($0) }).from("images")
            .where("status", .equal, ImageStatus.pendingDelete.rawValue)
            .where("deleted_at", .lessThanOrEqual, deletedBefore.microseconds)
            .all().map(Self.image)
    }

    /// Images left `saving`, or `uploading` with nothing staged, go back to `queued`.
    func resetInterruptedTransfers(at now: Timestamp) async throws {
        try await sql.raw(
            """
            UPDATE images SET status = 'queued', updated_at = \(bind: now.microseconds) \
            WHERE deleted_at IS NULL AND (status = 'saving' OR (status = 'uploading' AND staged_size IS NULL))
            """
        ).run()
    }

    /// The scrubber removed the data of a `pending_delete` image.
    func markScrubbed(imageID: String) async throws {
        try await sql.update("images").set("status", to: ImageStatus.deleted.rawValue)
            .set("location", to: String?.none).where("id", .equal, imageID).run()
    }

    // MARK: Usage (quotas)

    /// Serializes quota checks of one owner until the transaction ends: on PostgreSQL an
    /// advisory lock (concurrent transactions would not see each other's new bytes); SQLite
    /// serializes every write transaction already.
    func lockQuota(owner: String) async throws {
        guard sql.dialect.name == "postgresql" else { return }
        try await sql.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: "image-quota:" + owner)))").run()
    }

    struct Usage: Sendable {
        var imageCount: Int64 = 0
        var totalSize: Int64 = 0
        var stagedSize: Int64 = 0
    }

    /// What a project's live images take: their number, their stored bytes, their staged
    /// bytes (`excluding` one image, whose new size the caller is checking).
    func usage(owner: String, excluding: String? = nil) async throws -> Usage {
        let row = try await sql.raw(
            """
            SELECT COUNT(*) AS images, CAST(COALESCE(SUM(size), 0) AS BIGINT) AS total, \
            CAST(COALESCE(SUM(staged_size), 0) AS BIGINT) AS staged \
            FROM images WHERE owner = \(bind: owner) AND deleted_at IS NULL AND id <> \(bind: excluding ?? "")
            """
        ).first()
        guard let row else { return Usage() }
        return Usage(
            imageCount: try row.decode(column: "images", as: Int64.self),
            totalSize: try row.decode(column: "total", as: Int64.self),
            stagedSize: try row.decode(column: "staged", as: Int64.self))
    }
}
