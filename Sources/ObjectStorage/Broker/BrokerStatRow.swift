import SQLiteKit

/// The one-row stat table of an account database (`account_stat`) or a container database
/// (`container_info`): the timestamps, status and metadata both kinds keep, changed the same way.
struct BrokerStatRow: Sendable {
    let database: BrokerDatabase
    let table: String

    /// The open database; `BrokerError.notFound` when the file does not exist.
    func connection() async throws -> SQLiteConnection {
        guard let connection = try await database.connection() else { throw BrokerError.notFound(database.path) }
        return connection
    }

    /// Raises the put timestamp to `timestamp` (never lowers it).
    func updatePutTimestamp(_ timestamp: SwiftTimestamp) async throws {
        _ = try await connection().query(
            "UPDATE \(table) SET put_timestamp = ? WHERE put_timestamp < ?",
            [.text(timestamp.internal), .text(timestamp.internal)])
    }

    func updateStatusChangedAt(_ timestamp: SwiftTimestamp) async throws {
        _ = try await connection().query(
            "UPDATE \(table) SET status_changed_at = ? WHERE status_changed_at < ?",
            [.text(timestamp.internal), .text(timestamp.internal)])
    }

    /// Swift's `delete_db`: every metadata value is cleared at `timestamp`, then the delete
    /// timestamp is raised to it and the status set to `DELETED`. The rows stay (the reaper or the
    /// replicator deals with them).
    func markDeleted(at timestamp: SwiftTimestamp) async throws {
        let connection = try await connection()
        try await connection.transaction {
            var metadata = try await readMetadata(connection)
            metadata.clear(at: timestamp.internal)
            _ = try await connection.query("UPDATE \(table) SET metadata = ?", [.text(metadata.jsonText)])
            _ = try await connection.query(
                """
                UPDATE \(table) SET delete_timestamp = ?, status = 'DELETED', status_changed_at = ?
                WHERE delete_timestamp < ?
                """, [.text(timestamp.internal), .text(timestamp.internal), .text(timestamp.internal)])
        }
    }

    /// Merges `updates` into the metadata (per key, the newer timestamp wins); with `validate`,
    /// throws `BrokerError.metadataTooLarge` (nothing is stored) when the result is over Swift's limits.
    func updateMetadata(_ updates: [String: BrokerMetadata.Item], validate: Bool) async throws {
        guard !updates.isEmpty else { return }
        let connection = try await connection()
        try await connection.transaction {
            var metadata = try await readMetadata(connection)
            guard metadata.merge(updates) else { return }
            if validate { try metadata.validate() }
            _ = try await connection.query("UPDATE \(table) SET metadata = ?", [.text(metadata.jsonText)])
        }
    }

    private func readMetadata(_ connection: SQLiteConnection) async throws -> BrokerMetadata {
        BrokerMetadata(
            json: try await connection.query("SELECT metadata FROM \(table)").first?.column("metadata")?.string ?? "")
    }

    /// Replication's merge of the stat row: the earliest creation, the newest put and delete;
    /// `status_changed_at` moves when that turns the database deleted or alive (`isDeleted`).
    func mergeTimestamps(
        createdAt: SwiftTimestamp, put: SwiftTimestamp, delete: SwiftTimestamp, isDeleted: () async throws -> Bool
    ) async throws {
        let connection = try await connection()
        try await connection.transaction {
            let before = try await isDeleted()
            _ = try await connection.query(
                """
                UPDATE \(table) SET created_at = min(?, created_at), put_timestamp = max(?, put_timestamp),
                    delete_timestamp = max(?, delete_timestamp)
                """, [.text(createdAt.internal), .text(put.internal), .text(delete.internal)])
            if try await isDeleted() != before { try await updateStatusChangedAt(.now()) }
        }
    }
}
