import Foundation
import SQLiteKit
import StratusKit

/// A container database while its caller has it to itself (see `ContainerBroker.access`). Every
/// method that needs the file throws `BrokerError.notFound` when it does not exist, except
/// `info()` and `isDeleted()`, which answer nil and true.
public struct ContainerDatabase: Sendable {
    let database: BrokerDatabase
    public let account: String
    public let container: String

    /// SQLite allows 999 bound values per statement by default; stay well below.
    static let namesPerQuery = 500
    static let rowsPerInsert = 150

    public var exists: Bool { database.exists }
    public var path: String { database.path }

    private var statRow: BrokerStatRow { BrokerStatRow(database: database, table: "container_info") }

    private func connection() async throws -> SQLiteConnection { try await statRow.connection() }

    // MARK: Life cycle

    /// Creates the database with `putTimestamp` (Swift's `initialize`); false when it exists.
    /// `device` names the database's id (`<uuid>-<device>`).
    @discardableResult
    public func initialize(putTimestamp: SwiftTimestamp, device: String, now: SwiftTimestamp = .now()) async throws -> Bool {
        guard !database.exists else { return false }
        let account = account, container = container
        do {
            _ = try await database.create { connection in
                for statement in ContainerSchema.statements { _ = try await connection.query(statement) }
                _ = try await connection.query(
                    """
                    INSERT INTO container_info (account, container, created_at, id, put_timestamp, status_changed_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(account), .text(container), .text(now.internal), .text(UUID().uuidString.lowercased() + "-" + device),
                        .text(putTimestamp.internal), .text(putTimestamp.internal),
                    ])
            }
        } catch BrokerError.alreadyExists {
            return false
        }
        return true
    }

    /// The info row with counts and metadata; nil when the database does not exist.
    public func info() async throws -> ContainerInfo? {
        guard let connection = try await database.connection() else { return nil }
        guard let row = try await connection.query("SELECT *, CAST(account AS BLOB) AS account_bytes, CAST(container AS BLOB) AS container_bytes FROM container_info").first else {
            throw BrokerError.invalid("\(database.path): no container_info row")
        }
        func text(_ column: String) -> String { row.column(column)?.string ?? "" }
        func number(_ column: String) -> Int64 { row.column(column)?.integer.map { Int64($0) } ?? 0 }
        func time(_ column: String) -> SwiftTimestamp { SwiftTimestamp(text(column)) ?? .zero }
        return ContainerInfo(
            account: row.column("account_bytes")?.text ?? "", container: row.column("container_bytes")?.text ?? "",
            createdAt: time("created_at"),
            putTimestamp: time("put_timestamp"), deleteTimestamp: time("delete_timestamp"),
            statusChangedAt: time("status_changed_at"), status: text("status"), objectCount: number("object_count"),
            bytesUsed: number("bytes_used"), hash: text("hash"), id: text("id"),
            reportedPutTimestamp: time("reported_put_timestamp"), reportedDeleteTimestamp: time("reported_delete_timestamp"),
            reportedObjectCount: number("reported_object_count"), reportedBytesUsed: number("reported_bytes_used"),
            storagePolicyIndex: Int(number("storage_policy_index")), metadata: BrokerMetadata(json: text("metadata")))
    }

    /// True when the database does not exist or the container is deleted (see `ContainerInfo.isDeleted`).
    public func isDeleted() async throws -> Bool {
        try await info()?.isDeleted ?? true
    }

    /// True when no object rows are live.
    public func isEmpty() async throws -> Bool {
        try await (info()?.objectCount ?? 0) <= 0
    }

    /// Raises the put timestamp to `timestamp` (never lowers it).
    public func updatePutTimestamp(_ timestamp: SwiftTimestamp) async throws {
        try await statRow.updatePutTimestamp(timestamp)
    }

    public func updateStatusChangedAt(_ timestamp: SwiftTimestamp) async throws {
        try await statRow.updateStatusChangedAt(timestamp)
    }

    /// Swift's `delete_db` (see `BrokerStatRow.markDeleted`).
    public func markDeleted(at timestamp: SwiftTimestamp) async throws {
        try await statRow.markDeleted(at: timestamp)
    }

    /// Merges `updates` into the metadata (per key, the newer timestamp wins); with `validate`,
    /// throws `BrokerError.metadataTooLarge` (nothing is stored) when the result is over Swift's limits.
    public func updateMetadata(_ updates: [String: BrokerMetadata.Item], validate: Bool = true) async throws {
        try await statRow.updateMetadata(updates, validate: validate)
    }

    /// Replication's merge of the stat row: the earliest creation, the newest put and delete.
    public func mergeTimestamps(createdAt: SwiftTimestamp, put: SwiftTimestamp, delete: SwiftTimestamp) async throws {
        try await statRow.mergeTimestamps(createdAt: createdAt, put: put, delete: delete, isDeleted: isDeleted)
    }

    /// Records what the account server was told (the container updater calls this after a
    /// successful update).
    public func reported(put: SwiftTimestamp, delete: SwiftTimestamp, objectCount: Int64, bytesUsed: Int64) async throws {
        _ = try await connection().query(
            """
            UPDATE container_info SET reported_put_timestamp = ?, reported_delete_timestamp = ?,
                reported_object_count = ?, reported_bytes_used = ?
            """,
            [.text(put.internal), .text(delete.internal), .integer(SQLiteInt64(objectCount)), .integer(SQLiteInt64(bytesUsed))])
    }

    // MARK: Object rows

    /// Puts one object row (an object server's update) through `mergeItems`.
    public func putObject(_ record: ObjectRecord) async throws {
        try await mergeItems([record])
    }

    /// Merges object rows, newest timestamp per name wins: a row replaces the stored row of its
    /// name only when its `createdAt` is newer (on a tie the stored row stays, and within
    /// `records` the first of equal rows wins), so rows can arrive in any order, more than once,
    /// from object servers or from other replicas, and every replica ends with the same rows.
    /// With `source` (the remote database's id), the incoming sync point of that source is
    /// raised to the highest `rowID` of `records`. Returns how many rows were written.
    @discardableResult
    public func mergeItems(_ records: [ObjectRecord], source: String? = nil) async throws -> Int {
        guard !records.isEmpty else { return 0 }
        // Names are keyed by their bytes: Swift's String equality would take two spellings of
        // "é" (composed, decomposed) for one name, which the database keeps apart.
        var newest: [NameKey: ObjectRecord] = [:]
        var order: [String] = []
        for record in records {
            let key = NameKey(record.name)
            if let seen = newest[key] {
                if record.createdAt > seen.createdAt { newest[key] = record }
            } else {
                newest[key] = record
                order.append(record.name)
            }
        }
        let connection = try await connection()
        return try await connection.transaction {
            var stored: [NameKey: SwiftTimestamp] = [:]
            for start in stride(from: 0, to: order.count, by: Self.namesPerQuery) {
                let names = order[start..<min(start + Self.namesPerQuery, order.count)]
                let placeholders = Array(repeating: "?", count: names.count).joined(separator: ",")
                let rows = try await connection.query(
                    "SELECT CAST(name AS BLOB) AS name, created_at FROM object WHERE deleted IN (0, 1) AND name IN (\(placeholders))",
                    names.map { .text($0) })
                for row in rows {
                    if let name = row.column("name")?.text {
                        stored[NameKey(name)] = SwiftTimestamp(row.column("created_at")?.string ?? "") ?? .zero
                    }
                }
            }
            var replaced: [String] = []
            var inserts: [ObjectRecord] = []
            for name in order {
                let record = newest[NameKey(name)]!
                if let current = stored[NameKey(name)] {
                    guard record.createdAt > current else { continue }
                    replaced.append(name)
                }
                inserts.append(record)
            }
            for start in stride(from: 0, to: replaced.count, by: Self.namesPerQuery) {
                let names = replaced[start..<min(start + Self.namesPerQuery, replaced.count)]
                let placeholders = Array(repeating: "?", count: names.count).joined(separator: ",")
                _ = try await connection.query(
                    "DELETE FROM object WHERE deleted IN (0, 1) AND name IN (\(placeholders))", names.map { .text($0) })
            }
            for start in stride(from: 0, to: inserts.count, by: Self.rowsPerInsert) {
                let batch = inserts[start..<min(start + Self.rowsPerInsert, inserts.count)]
                let values = Array(repeating: "(?, ?, ?, ?, ?, ?)", count: batch.count).joined(separator: ", ")
                var binds: [SQLiteData] = []
                binds.reserveCapacity(batch.count * 6)
                for record in batch {
                    binds += [
                        .text(record.name), .text(record.createdAt.internal), .integer(SQLiteInt64(record.size)),
                        .text(record.contentType), .text(record.etag), .integer(record.deleted ? 1 : 0),
                    ]
                }
                _ = try await connection.query(
                    "INSERT INTO object (name, created_at, size, content_type, etag, deleted) VALUES \(values)", binds)
            }
            if let source, let highest = records.compactMap(\.rowID).max() {
                try await SyncPoints.advance(connection, remoteID: source, to: highest, incoming: true)
            }
            return inserts.count
        }
    }

    /// Rows (live and deleted) with a row id above `rowID`, in row id order: what changed since
    /// a replication pass stopped at `rowID`.
    public func items(since rowID: Int64, limit: Int = 1000) async throws -> [ObjectRecord] {
        let rows = try await connection().query(
            """
            SELECT ROWID AS row_id, CAST(name AS BLOB) AS name, created_at, size, content_type, etag, deleted FROM object
            WHERE ROWID > ? ORDER BY ROWID LIMIT ?
            """, [.integer(SQLiteInt64(rowID)), .integer(limit)])
        return rows.map { row in
            var record = Self.record(row)
            record.deleted = (row.column("deleted")?.integer ?? 0) != 0
            record.rowID = row.column("row_id")?.integer.map { Int64($0) }
            return record
        }
    }

    /// The highest object row id ever used (-1 for none).
    public func maxRowID() async throws -> Int64 {
        try await SyncPoints.maxRow(connection(), table: "object")
    }

    /// The sync point of a remote database (-1 when none).
    public func syncPoint(remoteID: String, incoming: Bool = true) async throws -> Int64 {
        try await SyncPoints.point(connection(), remoteID: remoteID, incoming: incoming)
    }

    /// Raises the sync point of a remote database.
    public func advanceSyncPoint(remoteID: String, to point: Int64, incoming: Bool) async throws {
        try await SyncPoints.advance(connection(), remoteID: remoteID, to: point, incoming: incoming)
    }

    /// The live objects for a listing, with pseudo-directories (see `ListingQuery`).
    public func listObjects(_ query: ListingQuery) async throws -> [ListingEntry<ObjectRecord>] {
        let connection = try await connection()
        let order = query.reverse ? " DESC" : ""
        return try await ListingWalk.run(query, name: \.name) { conditions, limit in
            var sql = "SELECT CAST(name AS BLOB) AS name, created_at, size, content_type, etag FROM object WHERE deleted = 0"
            for condition in conditions { sql += " AND " + condition.sql }
            sql += " ORDER BY name\(order) LIMIT ?"
            let binds: [SQLiteData] = conditions.map { .text($0.value) } + [.integer(limit)]
            return try await connection.query(sql, binds).map(Self.record)
        }
    }

    private static func record(_ row: SQLiteRow) -> ObjectRecord {
        ObjectRecord(
            name: row.column("name")?.text ?? "",
            createdAt: SwiftTimestamp(row.column("created_at")?.string ?? "") ?? .zero,
            size: row.column("size")?.integer.map { Int64($0) } ?? 0,
            contentType: row.column("content_type")?.string ?? "",
            etag: row.column("etag")?.string ?? "")
    }
}
