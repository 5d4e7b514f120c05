import SQLKit
import StratusKit

extension IdentityQueries {
    static func applicationCredential(_ row: any SQLRow) throws -> ApplicationCredentialRecord {
        ApplicationCredentialRecord(
            id: try row.string("id"), name: try row.string("name"), userID: try row.string("user_id"),
            projectID: try row.string("project_id"), secretHash: try row.string("secret_hash"),
            description: try row.optionalString("description"), expiresAt: try row.timestamp("expires_at"),
            unrestricted: try row.bool("unrestricted"), createdAt: try row.timestamp("created_at") ?? .init(microseconds: 0))
    }

    func applicationCredential(id: String) async throws -> ApplicationCredentialRecord? {
        guard var credential = try await sql.select().columns("*").from("application_credentials")
            .where("id", .equal, id).first().map(Self.applicationCredential)
        else { return nil }
        credential.roleIDs = try await applicationCredentialRoles(ids: [id])[id] ?? []
        return credential
    }

    func applicationCredential(userID: String, name: String) async throws -> ApplicationCredentialRecord? {
        guard let row = try await sql.select().column("id").from("application_credentials")
            .where("user_id", .equal, userID).where("name", .equal, name).first()
        else { return nil }
        return try await applicationCredential(id: try row.string("id"))
    }

    func listApplicationCredentials(userID: String, name: String?) async throws -> [ApplicationCredentialRecord] {
        var query = sql.select().columns("*").from("application_credentials").where("user_id", .equal, userID)
        if let name { query = query.where("name", .equal, name) }
        var credentials = try await query.orderBy("name").all().map(Self.applicationCredential)
        let roles = try await applicationCredentialRoles(ids: credentials.map(\.id))
        for index in credentials.indices { credentials[index].roleIDs = roles[credentials[index].id] ?? [] }
        return credentials
    }

    func applicationCredentialRoles(ids: [String]) async throws -> [String: [String]] {
        guard !ids.isEmpty else { return [:] }
        var result: [String: [String]] = [:]
        for row in try await sql.select().columns("application_credential_id", "role_id")
            .from("application_credential_roles").where("application_credential_id", .in, ids).all()
        {
            result[try row.string("application_credential_id"), default: []].append(try row.string("role_id"))
        }
        return result
    }

    func insert(_ credential: ApplicationCredentialRecord) async throws {
        try await sql.insert(into: "application_credentials")
            .columns(
                "id", "name", "user_id", "project_id", "secret_hash", "description", "expires_at", "unrestricted",
                "created_at"
            )
            .values(
                SQLBind(credential.id), SQLBind(credential.name), SQLBind(credential.userID),
                SQLBind(credential.projectID), SQLBind(credential.secretHash), SQLBind(credential.description),
                SQLBind(credential.expiresAt?.microseconds), SQLBind(credential.unrestricted),
                SQLBind(credential.createdAt.microseconds)
            ).run()
        for roleID in Set(credential.roleIDs) {
            try await sql.insert(into: "application_credential_roles").columns("application_credential_id", "role_id")
                .values(SQLBind(credential.id), SQLBind(roleID)).run()
        }
    }

    func deleteApplicationCredential(id: String) async throws {
        try await delete(from: "application_credentials", where: "id", id)
        try await delete(from: "application_credential_roles", where: "application_credential_id", id)
    }

    static func credential(_ row: any SQLRow) throws -> CredentialRecord {
        CredentialRecord(
            id: try row.string("id"), userID: try row.string("user_id"), projectID: try row.optionalString("project_id"),
            type: try row.string("type"), encryptedBlob: try row.string("encrypted_blob"), extra: try row.extra())
    }

    func credential(id: String) async throws -> CredentialRecord? {
        try await sql.select().columns("*").from("credentials").where("id", .equal, id).first().map(Self.credential)
    }

    func listCredentials(userID: String?, type: String?) async throws -> [CredentialRecord] {
        var query = sql.select().columns("*").from("credentials")
        if let userID { query = query.where("user_id", .equal, userID) }
        if let type { query = query.where("type", .equal, type) }
        return try await query.orderBy("id").all().map(Self.credential)
    }

    func insert(_ credential: CredentialRecord) async throws {
        try await sql.insert(into: "credentials")
            .columns("id", "user_id", "project_id", "type", "encrypted_blob", "extra")
            .values(
                SQLBind(credential.id), SQLBind(credential.userID), SQLBind(credential.projectID),
                SQLBind(credential.type), SQLBind(credential.encryptedBlob), SQLBind(credential.extra.jsonText)
            ).run()
    }

    func update(_ credential: CredentialRecord) async throws {
        try await sql.update("credentials").set("user_id", to: credential.userID)
            .set("project_id", to: credential.projectID).set("type", to: credential.type)
            .set("encrypted_blob", to: credential.encryptedBlob).set("extra", to: credential.extra.jsonText)
            .where("id", .equal, credential.id).run()
    }

    static func revocationEvent(_ row: any SQLRow) throws -> RevocationEvent {
        RevocationEvent(
            id: try row.string("id"), userID: try row.optionalString("user_id"),
            projectID: try row.optionalString("project_id"), domainID: try row.optionalString("domain_id"),
            auditID: try row.optionalString("audit_id"),
            issuedBefore: try row.timestamp("issued_before") ?? .init(microseconds: 0),
            revokedAt: try row.timestamp("revoked_at") ?? .init(microseconds: 0))
    }

    /// Events younger than the longest token lifetime; older ones can match no live token.
    func revocationEvents(since: Timestamp) async throws -> [RevocationEvent] {
        try await sql.select().columns("*").from("revocation_events")
            .where("revoked_at", .greaterThanOrEqual, since.microseconds).all().map(Self.revocationEvent)
    }

    func insert(_ event: RevocationEvent) async throws {
        try await sql.insert(into: "revocation_events")
            .columns("id", "user_id", "project_id", "domain_id", "audit_id", "issued_before", "revoked_at")
            .values(
                SQLBind(event.id), SQLBind(event.userID), SQLBind(event.projectID), SQLBind(event.domainID),
                SQLBind(event.auditID), SQLBind(event.issuedBefore.microseconds), SQLBind(event.revokedAt.microseconds)
            ).run()
    }

    func pruneRevocationEvents(before: Timestamp) async throws {
        try await sql.delete(from: "revocation_events").where("revoked_at", .lessThan, before.microseconds).run()
    }
}
