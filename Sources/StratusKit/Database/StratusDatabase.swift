import Logging
import SQLKit

/// Which SQL engine sits behind a `StratusDatabase`.
public enum DatabaseKind: String, Sendable {
    case sqlite, postgres
}

/// One engine's connections: a read path and a serialized, transactional write path.
protocol DatabaseBackend: Sendable {
    var kind: DatabaseKind { get }
    func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    func close() async
}

extension DatabaseBackend {
    /// Runs `body` between `begin` and COMMIT on one connection, rolling back when it throws.
    func inTransaction<T: Sendable>(
        _ sql: any SQLDatabase, begin: String, _ body: @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        try await sql.raw(SQLQueryString(begin)).run()
        do {
            let result = try await body(sql)
            try await sql.raw("COMMIT").run()
            return result
        } catch {
            try? await sql.raw("ROLLBACK").run()
            throw error
        }
    }
}

/// The database of one service. Reads run on any connection; every write runs inside a
/// transaction (`BEGIN IMMEDIATE` on SQLite, serialized in-process; `BEGIN` on PostgreSQL)
/// that commits when the body returns and rolls back when it throws, so a failed request
/// leaves nothing half-written.
public final class StratusDatabase: Sendable {
    private let backend: any DatabaseBackend
    public let url: DatabaseURL

    public var kind: DatabaseKind { backend.kind }

    private init(url: DatabaseURL, backend: any DatabaseBackend) {
        self.url = url
        self.backend = backend
    }

    public static func open(_ url: DatabaseURL, logger: Logger) async throws -> StratusDatabase {
        switch url {
        case .sqlite(let path):
            return StratusDatabase(url: url, backend: try await SQLiteBackend.open(path: path, logger: logger))
        case .postgres(let host, let port, let username, let password, let database):
            let backend = try await PostgresBackend.open(
                host: host, port: port, username: username, password: password, database: database, logger: logger)
            return StratusDatabase(url: url, backend: backend)
        }
    }

    public func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await backend.read(body)
    }

    public func write<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        do {
            return try await backend.transaction(body)
        } catch let error where DatabaseErrors.isUniqueViolation(error) {
            throw APIError.conflict("Conflict occurred attempting to store the resource: a duplicate entry exists.")
        }
    }

    /// `write`, run again (up to `attempts` times in all) when it lost a race on a unique
    /// key to a concurrent transaction, as PostgreSQL writers may when both pick the same
    /// free value (an IP address, a MAC); only the last failure is reported, as a 409.
    public func write<T: Sendable>(
        retryingDuplicates attempts: Int, _ body: @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await backend.transaction(body)
            } catch let error where DatabaseErrors.isUniqueViolation(error) {
                guard attempt < attempts else {
                    throw APIError.conflict("Conflict occurred attempting to store the resource: a duplicate entry exists.")
                }
                attempt += 1
                try await Task.sleep(for: .milliseconds(Int64.random(in: 5...40)))
            }
        }
    }

    public func close() async { await backend.close() }
}
