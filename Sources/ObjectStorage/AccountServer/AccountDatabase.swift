import Foundation
import SQLiteKit
import StratusKit

/// An account database while its caller has it to itself (see `AccountBroker.access`). Methods
/// that need the file throw `BrokerError.notFound` when it does not exist, except `info()` and
/// `isDeleted()`, which answer nil and true.
public struct AccountDatabase: Sendable {
    let database: BrokerDatabase
    public let account: String

    public var exists: Bool { database.exists }
    public var path: String { database.path }

    private var statRow: BrokerStatRow { BrokerStatRow(database: database, table: "account_stat") }

    private func connection() async throws -> SQLiteConnection { try await statRow.connection() }

    // MARK: Life cycle

    /// Creates the database with `putTimestamp`; false when it exists.
    @discardableResult
    public func initialize(putTimestamp: SwiftTimestamp, device: String, now: SwiftTimestamp = .now()) async throws -> Bool {
        guard !database.exists else { return false }
        let account = account
        do {
            _ = try await database.create { connection in
                for statement in AccountSchema.statements { _ = try await connection.query(statement) }
                _ = try await connection.query(
                    """
                    INSERT INTO account_stat (account, created_at, id, put_timestamp, status_changed_at)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                    [
                        .text(account), .text(now.internal), .text(UUID().uuidString.lowercased() + "-" + device),
                        .text(putTimestamp.internal), .text(putTimestamp.internal),
                    ])
            }
        } catch BrokerError.alreadyExists {
            return false
        }
        return true
    }

    /// The stat row with totals, per-policy totals and metadata; nil when there is no database.
    public func info() async throws -> AccountInfo? {
        guard let connection = try await database.connection() else { return nil }
        guard let row = try await connection.query("SELECT *, CAST(account AS BLOB) AS account_bytes FROM account_stat").first else {
            throw BrokerError.invalid("\(database.path): no account_stat row")
        }
        func text(_ column: String) -> String { row.column(column)?.string ?? "" }
        func number(_ column: String) -> Int64 { row.column(column)?.integer.map { Int64($0) } ?? 0 }
        func time(_ column: String) -> SwiftTimestamp { SwiftTimestamp(text(column)) ?? .zero }
        var policies: [Int: AccountInfo.PolicyStats] = [:]
        for policy in try await connection.query("SELECT * FROM policy_stat") {
            guard let index = policy.column("storage_policy_index")?.integer else { continue }
            policies[Int(index)] = AccountInfo.PolicyStats(
                containerCount: policy.column("container_count")?.integer.map { Int64($0) } ?? 0,
                objectCount: policy.column("object_count")?.integer.map { Int64($0) } ?? 0,
                bytesUsed: policy.column("bytes_used")?.integer.map { Int64($0) } ?? 0)
        }
        return AccountInfo(
            account: row.column("account_bytes")?.text ?? "", createdAt: time("created_at"), putTimestamp: time("put_timestamp"),
            deleteTimestamp: time("delete_timestamp"), statusChangedAt: time("status_changed_at"), status: text("status"),
            containerCount: number("container_count"), objectCount: number("object_count"), bytesUsed: number("bytes_used"),
            hash: text("hash"), id: text("id"), metadata: BrokerMetadata(json: text("metadata")), policyStats: policies)
    }

    /// True when the database does not exist or the account is deleted (see `AccountInfo.isDeleted`).
    public func isDeleted() async throws -> Bool {
        try await info()?.isDeleted ?? true
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

    // MARK: Container rows

    /// A container server's report (Swift's `put_container`): merged through `mergeItems`.
    public func putContainer(_ record: ContainerRecord) async throws {
        try await mergeItems([record])
    }

    /// Merges container rows as Swift does: for a name already present the newer of the put
    /// timestamps and the newer of the delete timestamps are kept, the object count and bytes are
    /// the incoming ones, and the row is deleted when its delete is newer than its put and it
    /// holds no objects; a new name is stored as it comes. With `source`, that remote's incoming
    /// sync point is raised to the highest `rowID` of `records`.
    @discardableResult
    public func mergeItems(_ records: [ContainerRecord], source: String? = nil) async throws -> Int {
        guard !records.isEmpty else { return 0 }
        let connection = try await connection()
        return try await connection.transaction {
            var stored: [NameKey: ContainerRecord] = [:]
            var names: [String] = []
            var seen = Set<NameKey>()
            for record in records where seen.insert(NameKey(record.name)).inserted { names.append(record.name) }
            for start in stride(from: 0, to: names.count, by: ContainerDatabase.namesPerQuery) {
                let chunk = names[start..<min(start + ContainerDatabase.namesPerQuery, names.count)]
                let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                for row in try await connection.query(
                    """
                    SELECT CAST(name AS BLOB) AS name, put_timestamp, delete_timestamp, object_count, bytes_used, deleted,
                        storage_policy_index FROM container WHERE deleted IN (0, 1) AND name IN (\(placeholders))
                    """, chunk.map { .text($0) })
                {
                    let record = Self.record(row)
                    stored[NameKey(record.name)] = record
                }
            }
            for incoming in records {
                var record = incoming
                if let current = stored[NameKey(record.name)] {
                    record.putTimestamp = max(current.putTimestamp, record.putTimestamp)
                    record.deleteTimestamp = max(current.deleteTimestamp, record.deleteTimestamp)
                    record.deleted = ContainerRecord.isDeleted(
                        put: record.putTimestamp, delete: record.deleteTimestamp, objectCount: record.objectCount)
                    _ = try await connection.query(
                        "DELETE FROM container WHERE deleted IN (0, 1) AND name = ?", [.text(record.name)])
                }
                _ = try await connection.query(
                    """
                    INSERT INTO container (name, put_timestamp, delete_timestamp, object_count, bytes_used, deleted,
                        storage_policy_index) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(record.name), .text(record.putTimestamp.internal), .text(record.deleteTimestamp.internal),
                        .integer(SQLiteInt64(record.objectCount)), .integer(SQLiteInt64(record.bytesUsed)),
                        .integer(record.deleted ? 1 : 0), .integer(record.storagePolicyIndex),
                    ])
                stored[NameKey(record.name)] = record
            }
            if let source, let highest = records.compactMap(\.rowID).max() {
                try await SyncPoints.advance(connection, remoteID: source, to: highest, incoming: true)
            }
            return records.count
        }
    }

    /// Rows (live and deleted) with a row id above `rowID`, in row id order.
    public func items(since rowID: Int64, limit: Int = 1000) async throws -> [ContainerRecord] {
        let rows = try await connection().query(
            """
            SELECT ROWID AS row_id, CAST(name AS BLOB) AS name, put_timestamp, delete_timestamp, object_count, bytes_used, deleted,
                storage_policy_index FROM container WHERE ROWID > ? ORDER BY ROWID LIMIT ?
            """, [.integer(SQLiteInt64(rowID)), .integer(limit)])
        return rows.map(Self.record)
    }

    /// The highest container row id ever used (-1 for none).
    public func maxRowID() async throws -> Int64 {
        try await SyncPoints.maxRow(connection(), table: "container")
    }

    public func syncPoint(remoteID: String, incoming: Bool = true) async throws -> Int64 {
        try await SyncPoints.point(connection(), remoteID: remoteID, incoming: incoming)
    }

    public func advanceSyncPoint(remoteID: String, to point: Int64, incoming: Bool) async throws {
        try await SyncPoints.advance(connection(), remoteID: remoteID, to: point, incoming: incoming)
    }

    /// The live containers for a listing, with pseudo-directories (see `ListingQuery`; `path` is
    /// not used for accounts).
    public func listContainers(_ query: ListingQuery) async throws -> [ListingEntry<ContainerRecord>] {
        let connection = try await connection()
        var query = query
        query.path = nil
        let order = query.reverse ? " DESC" : ""
        return try await ListingWalk.run(query, name: \.name) { conditions, limit in
            var sql =
                "SELECT CAST(name AS BLOB) AS name, put_timestamp, delete_timestamp, object_count, bytes_used, deleted, storage_policy_index FROM container WHERE deleted = 0"
            for condition in conditions { sql += " AND " + condition.sql }
            sql += " ORDER BY name\(order) LIMIT ?"
            let binds: [SQLiteData] = conditions.map { .text($0.value) } + [.integer(limit)]
            return try await connection.query(sql, binds).map(Self.record)
        }
    }

    private static func record(_ row: SQLiteRow) -> ContainerRecord {
        ContainerRecord(
            name: row.column("name")?.text ?? "",
            putTimestamp: SwiftTimestamp(row.column("put_timestamp")?.string ?? "") ?? .zero,
            deleteTimestamp: SwiftTimestamp(row.column("delete_timestamp")?.string ?? "") ?? .zero,
            objectCount: row.column("object_count")?.integer.map { Int64($0) } ?? 0,
            bytesUsed: row.column("bytes_used")?.integer.map { Int64($0) } ?? 0,
            deleted: (row.column("deleted")?.integer ?? 0) != 0,
            storagePolicyIndex: Int(row.column("storage_policy_index")?.integer ?? 0),
            rowID: row.column("row_id")?.integer.map { Int64($0) })
    }
}
