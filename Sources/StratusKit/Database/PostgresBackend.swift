import Logging
import PostgresKit
import PostgresNIO
import SQLKit
import Synchronization

/// PostgreSQL through a pooled `PostgresClient`; each write is one transaction on one
/// connection.
final class PostgresBackend: DatabaseBackend {
    let kind = DatabaseKind.postgres
    private let client: PostgresClient
    private let runner: Mutex<Task<Void, Never>?>

    private init(client: PostgresClient) {
        self.client = client
        self.runner = Mutex(nil)
    }

    static func open(
        host: String, port: Int, username: String, password: String?, database: String, logger: Logger
    ) async throws -> PostgresBackend {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: .disable)
        configuration.options.maximumConnections = 16
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let backend = PostgresBackend(client: client)
        backend.runner.withLock { $0 = Task { await client.run() } }
        // Fail fast with a clear error when the server is unreachable.
        _ = try await backend.read { try await $0.raw("SELECT 1").all() }
        return backend
    }

    func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in try await body(connection.sql()) }
    }

    func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await self.inTransaction(connection.sql(), begin: "BEGIN", body)
        }
    }

    func close() async {
        runner.withLock { $0?.cancel() }
    }
}
