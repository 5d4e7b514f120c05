import Logging
import SQLKit
import StratusKit

/// The Identity service's persistence. `read` and `write` hand out `IdentityQueries` on one
/// connection (a write is one transaction). Every committed write advances `generation`,
/// which is how the token and catalog caches learn that what they rendered may be stale.
final class IdentityStore: Sendable {
    let database: StratusDatabase
    private let generationCounter = ManagedCounter()

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
        return try await database.write { try await body(IdentityQueries(sql: $0)) }
    }
}

/// Queries over one connection (inside a transaction when obtained from `write`).
struct IdentityQueries: Sendable {
    let sql: any SQLDatabase

    func exists(_ table: String, where column: String, _ value: String) async throws -> Bool {
        try await sql.select().column("1", as: "one").from(table).where(SQLColumn(column), .equal, SQLBind(value))
            .limit(1).first() != nil
    }

    func delete(from table: String, where column: String, _ value: String) async throws {
        try await sql.delete(from: table).where(SQLColumn(column), .equal, SQLBind(value)).run()
    }
}
