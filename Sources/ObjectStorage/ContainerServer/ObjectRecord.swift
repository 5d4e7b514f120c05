/// One row of a container database: the newest thing known about an object name. A deletion is
/// a row too (a tombstone: `deleted`, size 0, content type `application/deleted`, etag `noetag`),
/// so that a put older than the delete, arriving late, loses to it.
public struct ObjectRecord: Sendable, Equatable {
    public var name: String
    /// The time of the write this row describes (the object server's `X-Timestamp`).
    public var createdAt: SwiftTimestamp
    public var size: Int64
    public var contentType: String
    public var etag: String
    public var deleted: Bool
    /// The row's id in the database it was read from (nil for rows not read from a database).
    /// Rows get a new id whenever they change, so `items(since:)` finds every change after a point.
    public var rowID: Int64?

    public init(
        name: String, createdAt: SwiftTimestamp, size: Int64, contentType: String, etag: String, deleted: Bool = false,
        rowID: Int64? = nil
    ) {
        self.name = name
        self.createdAt = createdAt
        self.size = size
        self.contentType = contentType
        self.etag = etag
        self.deleted = deleted
        self.rowID = rowID
    }

    /// The tombstone of a delete at `timestamp`.
    public static func tombstone(name: String, at timestamp: SwiftTimestamp) -> ObjectRecord {
        ObjectRecord(name: name, createdAt: timestamp, size: 0, contentType: "application/deleted", etag: "noetag", deleted: true)
    }
}
