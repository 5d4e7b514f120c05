import Logging
import Synchronization
import SQLKit
import StratusKit

/// The Identity service's persistence. `read` and `write` hand out `IdentityQueries` on one
/// connection (a write is one transaction). Every committed write advances `generation`,
/// which is how the token and catalog caches learn that what they rendered may be stale.
/// Writes also advance a counter in the database, so that other processes on the same
/// database notice them (`refreshSharedGeneration`).
final class IdentityStore: Sendable {
    let database: StratusDatabase
    private let generationCounter = ManagedCounter()
    /// The database counter as this process last accounted for it.
    private let sharedGeneration = Mutex<Int64>(-1)

    init(database: StratusDatabase) {
        self.database = database
    }

    func migrate(logger: Logger) async throws {
        try await MigrationRunner.run(
            service: "identity", migrations: IdentitySchema.migrations, on: database, logger: logger)
    }

    /// Changes whenever a write commits.
    var generation: Int { generationCounter.current }

    func read<T: Sendable>(_ body: @Sendable (IdentityQueries) async throws -> T) async throws -> T {
        try await database.read { try await body(IdentityQueries(sql: $0)) }
    }

    func write<T: Sendable>(_ body: @Sendable (IdentityQueries) async throws -> T) async throws -> T {
        defer { _ = generationCounter.next() }
        let (result, shared) = try await database.write { sql in
            let result = try await body(IdentityQueries(sql: sql))
            let row = try await sql.raw("UPDATE identity_state SET generation = generation + 1 WHERE id = 1 RETURNING generation").first()
            return (result, try row?.decode(column: "generation", as: Int64.self))
        }
        // Our own write needs no refresh, unless another process wrote in between.
        if let shared {
            sharedGeneration.withLock { seen in if seen == shared - 1 { seen = shared } }
        }
        return result
    }

    /// Reads the database's write counter; when another process has written since we last
    /// looked, advances `generation` (dropping every cache) and returns true.
    func refreshSharedGeneration() async throws -> Bool {
        let current = try await database.read { sql in
            try await sql.raw("SELECT generation FROM identity_state WHERE id = 1").first()?.decode(column: "generation", as: Int64.self)
        } ?? 0
        let changed = sharedGeneration.withLock { seen in
            defer { seen = current }
            return seen != current
        }
        if changed { _ = generationCounter.next() }
        return changed
    }
}

/// Queries over one connection (inside a transaction when obtained from `write`).
struct IdentityQueries: Sendable {
    let sql: any SQLDatabase

    func delete(from table: String, where column: String, _ value: String) async throws {
        try await sql.delete(from: table).where(SQLColumn(column), .equal, SQLBind(value)).run()
    }
}
