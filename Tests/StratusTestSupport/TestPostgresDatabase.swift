import Foundation
import Logging
import SQLKit
import StratusKit

/// A throwaway PostgreSQL database for one test, made when `STRATUS_TEST_DATABASE_URL`
/// names a server (the test script runs the service suites on SQLite, then on PostgreSQL).
public struct TestPostgresDatabase: Sendable {
    /// The server's administrative URL, from the environment.
    public let admin: DatabaseURL
    public let name: String
    /// The URL of the new database, for a service's `database_url` setting.
    public let url: String

    /// A new, empty database, or nil when no server is configured.
    public static func create(prefix: String, logger: Logger) async throws -> TestPostgresDatabase? {
        guard let base = ProcessInfo.processInfo.environment["STRATUS_TEST_DATABASE_URL"], !base.isEmpty else {
            return nil
        }
        let adminURL = try DatabaseURL(parsing: base)
        guard case .postgres(let host, let port, let user, let password, _) = adminURL else {
            throw ConfigError("STRATUS_TEST_DATABASE_URL must be a postgres:// URL")
        }
        let name = "\(prefix)_\(IDGenerator.hex().prefix(12))"
        let admin = try await StratusDatabase.open(adminURL, logger: logger)
        try await admin.read { sql in try await sql.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
        await admin.close()
        let encoded = password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? ""
        return TestPostgresDatabase(admin: adminURL, name: name, url: "postgres://\(user)\(encoded)@\(host):\(port)/\(name)")
    }

    public func drop(logger: Logger) async {
        guard let admin = try? await StratusDatabase.open(admin, logger: logger) else { return }
        try? await admin.read { sql in
            try await sql.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)").run()
        }
        await admin.close()
    }
}
