import Logging
import SQLKit

/// One schema change of one service, applied once, in order, inside a transaction.
public struct Migration: Sendable {
    public let name: String
    public let apply: @Sendable (any SQLDatabase, DatabaseKind) async throws -> Void

    public init(_ name: String, apply: @escaping @Sendable (any SQLDatabase, DatabaseKind) async throws -> Void) {
        self.name = name
        self.apply = apply
    }
}

/// Applies a service's pending migrations and records them in `stratus_migrations`.
/// On PostgreSQL an advisory lock keeps two processes starting at once from racing.
public enum MigrationRunner {
    public static func run(
        service: String, migrations: [Migration], on database: StratusDatabase, logger: Logger
    ) async throws {
        let kind = database.kind
        try await database.write { sql in
            try await sql.create(table: "stratus_migrations").ifNotExists()
                .column("service", type: .text, .notNull)
                .column("name", type: .text, .notNull)
                .column("applied_at", type: .bigint, .notNull)
                .primaryKey("service", "name")
                .run()
        }
        try await database.write { sql in
            if kind == .postgres {
                try await sql.raw("SELECT pg_advisory_xact_lock(\(literal: Int64(stableHash(service))))").run()
            }
            let applied = Set(
                try await sql.select().column("name").from("stratus_migrations")
                    .where("service", .equal, service).all()
                    .map { try $0.decode(column: "name", as: String.self) })
            for migration in migrations where !applied.contains(migration.name) {
                logger.info("applying migration", metadata: ["service": "\(service)", "migration": "\(migration.name)"])
                try await migration.apply(sql, kind)
                try await sql.insert(into: "stratus_migrations")
                    .columns("service", "name", "applied_at")
                    .values(SQLBind(service), SQLBind(migration.name), SQLBind(Timestamp.now().microseconds))
                    .run()
            }
        }
    }

    private static func stableHash(_ text: String) -> Int32 {
        var hash: UInt32 = 2_166_136_261
        for byte in text.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return Int32(bitPattern: hash)
    }
}

extension SQLDataType {
    /// A boolean column: BOOLEAN on PostgreSQL, an integer-affinity column on SQLite.
    public static let boolean = SQLDataType.custom(SQLRaw("BOOLEAN"))
}
