import SQLiteKit

/// The replication bookkeeping every account and container database carries, as in Swift: for
/// each remote database (by its id), the highest row id merged from it (`incoming_sync`) or sent
/// to it (`outgoing_sync`), so that the next pass sends only the rows after it.
enum SyncPoints {
    static let schema = [
        "CREATE TABLE outgoing_sync (remote_id TEXT UNIQUE, sync_point INTEGER, updated_at TEXT DEFAULT 0)",
        "CREATE TABLE incoming_sync (remote_id TEXT UNIQUE, sync_point INTEGER, updated_at TEXT DEFAULT 0)",
    ]

    static func table(incoming: Bool) -> String { incoming ? "incoming_sync" : "outgoing_sync" }

    /// Raises the sync point of `remoteID` to `point` (never lowers it).
    static func advance(_ connection: SQLiteConnection, remoteID: String, to point: Int64, incoming: Bool) async throws {
        let table = table(incoming: incoming)
        let now = SwiftTimestamp.now().normal
        let existing = try await connection.query("SELECT sync_point FROM \(table) WHERE remote_id = ?", [.text(remoteID)])
        if existing.isEmpty {
            _ = try await connection.query(
                "INSERT INTO \(table) (remote_id, sync_point, updated_at) VALUES (?, ?, ?)",
                [.text(remoteID), .integer(SQLiteInt64(point)), .text(now)])
        } else {
            _ = try await connection.query(
                "UPDATE \(table) SET sync_point = max(?, sync_point), updated_at = ? WHERE remote_id = ?",
                [.integer(SQLiteInt64(point)), .text(now), .text(remoteID)])
        }
    }

    /// The sync point of `remoteID`, or -1 when there is none.
    static func point(_ connection: SQLiteConnection, remoteID: String, incoming: Bool) async throws -> Int64 {
        let rows = try await connection.query(
            "SELECT sync_point FROM \(table(incoming: incoming)) WHERE remote_id = ?", [.text(remoteID)])
        return rows.first?.column("sync_point")?.integer.map { Int64($0) } ?? -1
    }

    /// The highest row id ever used in `table` (-1 when none): rows at or below it have been seen.
    static func maxRow(_ connection: SQLiteConnection, table: String) async throws -> Int64 {
        let rows = try await connection.query("SELECT seq FROM sqlite_sequence WHERE name = ?", [.text(table)])
        return rows.first?.column("seq")?.integer.map { Int64($0) } ?? -1
    }
}
