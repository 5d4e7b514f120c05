import Crypto
import SQLKit
import StratusKit

/// A console auth token as stored: where the console is and until when the token opens it.
struct ConsoleAuthRecord: Sendable, Equatable {
    var consoleType: String
    var host: String
    var port: Int
    var internalAccessPath: String?
    var instanceUUID: String
    var accessURLBase: String
    var createdAt: Timestamp
    var expires: Timestamp
}

/// Console auth tokens: issued with a console URL, looked up by the proxy (and by admins
/// through `os-console-auth-tokens`), gone with their server or when they expire.
extension ComputeQueries {
    /// The stored form of a token: its SHA-256 in hex (Nova's `token_hash`).
    static func consoleTokenHash(_ token: String) -> String {
        Hex.lowercase(Array(SHA256.hash(data: Array(token.utf8))))
    }

    /// Stores a token for `record` and drops the expired ones.
    func insertConsoleToken(_ token: String, _ record: ConsoleAuthRecord) async throws {
        try await sql.delete(from: "console_auth_tokens").where("expires", .lessThanOrEqual, SQLBind(Timestamp.now().microseconds))
            .run()
        try await sql.insert(into: "console_auth_tokens")
            .columns(
                "token_hash", "console_type", "host", "port", "internal_access_path", "instance_uuid", "access_url_base",
                "created_at", "expires"
            )
            .values(
                SQLBind(Self.consoleTokenHash(token)), SQLBind(record.consoleType), SQLBind(record.host),
                SQLBind(Int64(record.port)), SQLBind(record.internalAccessPath), SQLBind(record.instanceUUID),
                SQLBind(record.accessURLBase), SQLBind(record.createdAt.microseconds), SQLBind(record.expires.microseconds)
            ).run()
    }

    /// The token's record while it has not expired; nil for an unknown or expired token.
    func validConsoleToken(_ token: String, at now: Timestamp = .now()) async throws -> ConsoleAuthRecord? {
        guard
            let row = try await sql.select().columns("*").from("console_auth_tokens")
                .where("token_hash", .equal, Self.consoleTokenHash(token))
                .where("expires", .greaterThan, SQLBind(now.microseconds)).first()
        else { return nil }
        return ConsoleAuthRecord(
            consoleType: try row.string("console_type"), host: try row.string("host"),
            port: Int(try row.decode(column: "port", as: Int64.self)),
            internalAccessPath: try row.optionalString("internal_access_path"),
            instanceUUID: try row.string("instance_uuid"), accessURLBase: try row.string("access_url_base"),
            createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0),
            expires: try row.timestamp("expires") ?? Timestamp(microseconds: 0))
    }

    /// Forgets every token of a server (on delete, and when it leaves its host).
    func deleteConsoleTokens(instanceUUID: String) async throws {
        try await sql.delete(from: "console_auth_tokens").where("instance_uuid", .equal, instanceUUID).run()
    }
}
