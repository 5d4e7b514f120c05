import SQLKit
import StratusKit

extension IdentityQueries {
    static func user(_ row: any SQLRow) throws -> UserRecord {
        UserRecord(
            id: try row.string("id"), name: try row.string("name"), domainID: try row.string("domain_id"),
            enabled: try row.bool("enabled"), defaultProjectID: try row.optionalString("default_project_id"),
            extra: try row.extra(), passwordHash: try row.optionalString("password_hash"),
            passwordCreatedAt: try row.timestamp("password_created_at"),
            passwordExpiresAt: try row.timestamp("password_expires_at"),
            failedAuthCount: try row.int("failed_auth_count"), failedAuthAt: try row.timestamp("failed_auth_at"),
            createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0),
            lastActiveAt: try row.timestamp("last_active_at"))
    }

    func user(id: String) async throws -> UserRecord? {
        try await sql.select().columns("*").from("users").where("id", .equal, id).first().map(Self.user)
    }

    func user(name: String, domainID: String) async throws -> UserRecord? {
        try await sql.select().columns("*").from("users").where("name", .equal, name)
            .where("domain_id", .equal, domainID).first().map(Self.user)
    }

    func users(ids: Set<String>) async throws -> [String: UserRecord] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await sql.select().columns("*").from("users").where("id", .in, Array(ids)).all()
        return Dictionary(try rows.map(Self.user).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    func listUsers(name: String?, domainID: String?, enabled: Bool?, groupID: String? = nil) async throws
        -> [UserRecord]
    {
        var query = sql.select().columns(SQLColumn(SQLLiteral.all, table: SQLIdentifier("users"))).from("users")
        if let groupID {
            query = query.join("group_members", on: SQLColumn("user_id", table: "group_members"), .equal,
                SQLColumn("id", table: "users"))
                .where(SQLColumn("group_id", table: "group_members"), .equal, SQLBind(groupID))
        }
        if let name { query = query.where(SQLColumn("name", table: "users"), .equal, SQLBind(name)) }
        if let domainID { query = query.where(SQLColumn("domain_id", table: "users"), .equal, SQLBind(domainID)) }
        if let enabled { query = query.where(SQLColumn("enabled", table: "users"), .equal, SQLBind(enabled)) }
        return try await query.orderBy(SQLColumn("name", table: "users")).all().map(Self.user)
    }

    func insert(_ user: UserRecord) async throws {
        try await sql.insert(into: "users")
            .columns(
                "id", "name", "domain_id", "enabled", "default_project_id", "extra", "password_hash",
                "password_created_at", "password_expires_at", "failed_auth_count", "created_at"
            )
            .values(
                SQLBind(user.id), SQLBind(user.name), SQLBind(user.domainID), SQLBind(user.enabled),
                SQLBind(user.defaultProjectID), SQLBind(user.extra.jsonText), SQLBind(user.passwordHash),
                SQLBind(user.passwordCreatedAt?.microseconds), SQLBind(user.passwordExpiresAt?.microseconds),
                SQLBind(user.failedAuthCount), SQLBind(user.createdAt.microseconds)
            ).run()
    }

    func update(_ user: UserRecord) async throws {
        try await sql.update("users")
            .set("name", to: user.name).set("enabled", to: user.enabled)
            .set("default_project_id", to: user.defaultProjectID).set("extra", to: user.extra.jsonText)
            .set("password_hash", to: user.passwordHash)
            .set("password_created_at", to: user.passwordCreatedAt?.microseconds)
            .set("password_expires_at", to: user.passwordExpiresAt?.microseconds)
            .set("failed_auth_count", to: user.failedAuthCount)
            .set("failed_auth_at", to: user.failedAuthAt?.microseconds)
            .set("last_active_at", to: user.lastActiveAt?.microseconds)
            .where("id", .equal, user.id).run()
    }

    func recordPasswordHistory(userID: String, hash: String, at time: Timestamp) async throws {
        try await sql.insert(into: "password_history").columns("user_id", "password_hash", "created_at")
            .values(SQLBind(userID), SQLBind(hash), SQLBind(time.microseconds)).run()
    }

    /// The user's most recent password hashes, newest first.
    func passwordHistory(userID: String, limit: Int) async throws -> [String] {
        try await sql.select().column("password_hash").from("password_history").where("user_id", .equal, userID)
            .orderBy("created_at", .descending).limit(limit).all().map { try $0.string("password_hash") }
    }

    func deleteUser(id: String) async throws {
        try await delete(from: "users", where: "id", id)
        try await delete(from: "password_history", where: "user_id", id)
        try await delete(from: "group_members", where: "user_id", id)
        try await sql.delete(from: "assignments").where("actor_id", .equal, id)
            .where(
                "type", .in,
                [AssignmentType.userProject, .userDomain, .userSystem].map(\.rawValue)
            ).run()
        let credentials = try await sql.select().column("id").from("application_credentials")
            .where("user_id", .equal, id).all().map { try $0.string("id") }
        for credential in credentials { try await deleteApplicationCredential(id: credential) }
        try await delete(from: "credentials", where: "user_id", id)
    }
}
