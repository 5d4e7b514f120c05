import SQLKit
import StratusKit

/// The console auth tokens (Nova's `console_auth_tokens`): one row per issued console URL,
/// keyed by the SHA-256 of the token, so the table never holds a usable token.
enum ConsoleTokenSchema {
    static func create(_ sql: any SQLDatabase, _ kind: DatabaseKind) async throws {
        try await sql.create(table: "console_auth_tokens")
            .column("token_hash", type: .text, .primaryKey(autoIncrement: false))
            .column("console_type", type: .text, .notNull)
            .column("host", type: .text, .notNull)
            .column("port", type: .bigint, .notNull)
            .column("internal_access_path", type: .text)
            .column("instance_uuid", type: .text, .notNull)
            .column("access_url_base", type: .text, .notNull)
            .column("created_at", type: .bigint, .notNull)
            .column("expires", type: .bigint, .notNull)
            .run()
        try await sql.create(index: "console_auth_tokens_instance").on("console_auth_tokens").column("instance_uuid").run()
        try await sql.create(index: "console_auth_tokens_expires").on("console_auth_tokens").column("expires").run()
    }
}
