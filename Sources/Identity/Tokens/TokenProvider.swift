import Foundation
import NIOCore
import Synchronization
import StratusKit

/// Why a token was refused. Validation by `GET /v3/auth/tokens` answers 404 with the
/// message; any other use answers 401.
struct TokenFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A token that passed validation: who it speaks for and its rendered body. A class:
/// the cache hands the same instance to every request that presents the token.
final class ValidatedToken: Sendable {
    let payload: TokenPayload
    let context: AuthContext
    /// `{"token": {...}}` without the catalog, encoded once; responses share the buffer's
    /// storage instead of copying it.
    let bodyWithoutCatalog: ByteBuffer
    /// The encoded catalog of a scoped token, shared by every token of the same project
    /// and user (a catalog is most of a token body; cached tokens do not each keep a copy).
    let catalog: ByteBuffer?
    let generation: Int

    init(payload: TokenPayload, context: AuthContext, bodyWithoutCatalog: ByteBuffer, catalog: ByteBuffer?, generation: Int) {
        self.payload = payload
        self.context = context
        self.bodyWithoutCatalog = bodyWithoutCatalog
        self.catalog = catalog
        self.generation = generation
    }

    /// `{"token": {...}}` with the catalog, when the token has one.
    var body: ByteBuffer {
        guard let catalog else { return bodyWithoutCatalog }
        return TokenProvider.splicing(catalog: catalog, into: bodyWithoutCatalog)
    }
}

/// Issues and validates Fernet tokens. Validation is cached per token until the store
/// changes (any write advances its generation) or the token expires, so the common case
/// costs one dictionary lookup; a revocation is a write, so it takes effect at once.
final class TokenProvider: Sendable {
    let keys: FernetKeyRepository
    let store: IdentityStore
    let roles: RoleResolver
    let catalog: CatalogProvider
    let revocations: RevocationList
    let settings: IdentitySettings
    private let cache = Mutex<[String: ValidatedToken]>([:])
    private let renderInputs = GenerationCache<RenderInputs>()
    private static let cacheLimit = 10_000

    init(
        keys: FernetKeyRepository, store: IdentityStore, roles: RoleResolver, catalog: CatalogProvider,
        revocations: RevocationList, settings: IdentitySettings
    ) {
        self.keys = keys
        self.store = store
        self.roles = roles
        self.catalog = catalog
        self.revocations = revocations
        self.settings = settings
    }

    /// A new audit id: 16 random bytes, url-safe base64 without padding (as Keystone).
    static func newAuditID() -> String { Base64URL.encode(IDGenerator.randomBytes(16), padded: false) }

    func issue(
        userID: String, methods: [String], scope: TokenPayload.Scope, expiresAt: Timestamp? = nil,
        auditChain: [String] = [], applicationCredentialID: String? = nil
    ) async throws -> (token: String, validated: ValidatedToken) {
        let now = Timestamp.now()
        var expiry = now.adding(seconds: settings.tokenExpiration)
        if let expiresAt, expiresAt < expiry { expiry = expiresAt }
        let payload = TokenPayload(
            userID: userID, methods: methods, scope: scope, issuedAt: now, expiresAt: expiry,
            auditIDs: [Self.newAuditID()] + auditChain.prefix(1), applicationCredentialID: applicationCredentialID)
        let token = try keys.primaryKey.seal(payload.encoded(), timestamp: now.seconds)
        let validated = try await render(payload)
        remember(token, validated)
        return (token, validated)
    }

    func validate(_ token: String, allowExpired: Bool = false) async throws -> ValidatedToken {
        let generation = store.generation
        let now = Timestamp.now()
        if let hit = cache.withLock({ $0[token] }), hit.generation == generation {
            if now < hit.payload.expiresAt { return hit }
            if !allowExpired { throw TokenFailure("The token is expired.") }
        }
        guard let payload = decode(token) else { throw TokenFailure("The token is malformed or was not issued here.") }
        if payload.expiresAt <= now {
            guard allowExpired, now < payload.expiresAt.adding(seconds: settings.allowExpiredWindow) else {
                throw TokenFailure("The token is expired.")
            }
        }
        let validated = try await render(payload)
        if now < payload.expiresAt { remember(token, validated) }
        return validated
    }

    /// Drops every cached validation (after a key rotation or in tests).
    func forgetCachedValidations() {
        cache.withLock { $0.removeAll() }
    }

    func decode(_ token: String) -> TokenPayload? {
        guard token.count < 1024, let raw = Base64URL.decode(token) else { return nil }
        for key in keys.allKeys {
            if let opened = key.open(raw) { return TokenPayload(decoding: opened.payload) }
        }
        return nil
    }

    private func remember(_ token: String, _ validated: ValidatedToken) {
        cache.withLock { cache in
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[token] = validated
        }
    }

    /// Checks the token against the current state and renders its body.
    private func render(_ payload: TokenPayload) async throws -> ValidatedToken {
        let generation = store.generation
        let table = try await roles.table()
        let roleResolver = roles
        let inputsKey = payload.userID + "|" + payload.scope.cacheKey + "|" + (payload.applicationCredentialID ?? "")
        let loaded = try await renderInputs.value(inputsKey, generation: generation) {
            try await store.read { q -> RenderInputs in
                guard let user = try await q.user(id: payload.userID) else { throw TokenFailure("The user no longer exists.") }
                guard user.enabled else { throw TokenFailure("The user is disabled.") }
                var domainIDs: Set<String> = [user.domainID]
                var project: ProjectRecord?
                switch payload.scope {
                case .project(let id):
                    guard let found = try await q.project(id: id) else { throw TokenFailure("The project no longer exists.") }
                    guard found.enabled else { throw TokenFailure("The project is disabled.") }
                    project = found
                    domainIDs.insert(found.domainID)
                case .domain(let id):
                    domainIDs.insert(id)
                case .unscoped, .system:
                    break
                }
                let domains = try await q.domains(ids: domainIDs)
                var credential: ApplicationCredentialRecord?
                if let credentialID = payload.applicationCredentialID {
                    guard let found = try await q.applicationCredential(id: credentialID) else {
                        throw TokenFailure("The application credential no longer exists.")
                    }
                    credential = found
                }
                let assigned = try await roleResolver.assignedRoleIDs(userID: user.id, scope: payload.scope, in: q)
                return RenderInputs(user: user, project: project, domains: domains, credential: credential, assigned: assigned)
            }
        }
        guard let userDomain = loaded.domains[loaded.user.domainID], userDomain.enabled else {
            throw TokenFailure("The user's domain is disabled.")
        }
        if revocations.isRevoked(payload, projectDomainID: loaded.project?.domainID) {
            throw TokenFailure("The token has been revoked.")
        }
        var tokenRoles = table.tokenRoles(from: loaded.assigned)
        if let credential = loaded.credential {
            if let expires = credential.expiresAt, expires <= Timestamp.now() {
                throw TokenFailure("The application credential has expired.")
            }
            let allowed = table.expanding(credential.roleIDs)
            tokenRoles = tokenRoles.filter { allowed.contains($0.id) }
        }
        let scope: AuthContext.Scope
        switch payload.scope {
        case .unscoped:
            scope = .unscoped
        case .system:
            scope = .system
        case .domain(let id):
            guard let domain = loaded.domains[id] else { throw TokenFailure("The domain no longer exists.") }
            guard domain.enabled else { throw TokenFailure("The domain is disabled.") }
            scope = .domain(id: id, name: domain.name)
        case .project(let id):
            guard let project = loaded.project, let domain = loaded.domains[project.domainID], domain.enabled else {
                throw TokenFailure("The project's domain is disabled.")
            }
            scope = .project(id: id, name: project.name, domainID: domain.id, domainName: domain.name)
        }
        if payload.scope != .unscoped, tokenRoles.isEmpty {
            throw TokenFailure("The user has no role on the token's scope.")
        }
        let withoutCatalog = Self.tokenBody(
            payload: payload, user: loaded.user, userDomain: userDomain, scope: scope, roles: tokenRoles,
            credential: loaded.credential)
        var tokenCatalog: ByteBuffer?
        if payload.scope != .unscoped {
            let projectID: String? = if case .project(let id) = payload.scope { id } else { nil }
            tokenCatalog = try await catalog.rendering(projectID: projectID, userID: loaded.user.id).json
        }
        let context = AuthContext(
            userID: loaded.user.id, userName: loaded.user.name, userDomainID: userDomain.id,
            userDomainName: userDomain.name, scope: scope, roles: tokenRoles, methods: payload.methods,
            auditIDs: payload.auditIDs, issuedAt: payload.issuedAt, expiresAt: payload.expiresAt,
            applicationCredentialID: payload.applicationCredentialID,
            isAdminProject: loaded.project.map { $0.name == "admin" && $0.domainID == "default" } ?? false)
        return ValidatedToken(
            payload: payload, context: context, bodyWithoutCatalog: ByteBuffer(bytes: withoutCatalog),
            catalog: tokenCatalog, generation: generation)
    }

    /// `{"token":{…}}` without the catalog, written member by member (a token issue
    /// renders one, so this avoids building a dictionary tree first).
    private static func tokenBody(
        payload: TokenPayload, user: UserRecord, userDomain: DomainRecord, scope: AuthContext.Scope,
        roles: [RoleReference], credential: ApplicationCredentialRecord?
    ) -> [UInt8] {
        var json = JSONWriter()
        json.object { json in
            json.object("token") { json in
                json.member("methods", payload.methods)
                json.object("user") { json in
                    json.member("id", user.id)
                    json.member("name", user.name)
                    json.object("domain") { json in
                        json.member("id", userDomain.id)
                        json.member("name", userDomain.name)
                    }
                    json.member("password_expires_at", user.passwordExpiresAt?.iso8601Microseconds)
                }
                json.member("audit_ids", payload.auditIDs)
                json.member("expires_at", payload.expiresAt.iso8601Microseconds)
                json.member("issued_at", payload.issuedAt.iso8601Microseconds)
                switch scope {
                case .unscoped:
                    break
                case .system:
                    json.object("system") { json in json.member("all", true) }
                case .domain(let id, let name):
                    json.object("domain") { json in
                        json.member("id", id)
                        json.member("name", name)
                    }
                case .project(let id, let name, let domainID, let domainName):
                    json.object("project") { json in
                        json.member("id", id)
                        json.member("name", name)
                        json.object("domain") { json in
                            json.member("id", domainID)
                            json.member("name", domainName)
                        }
                    }
                    json.member("is_domain", false)
                }
                if scope != .unscoped {
                    json.array("roles") { json in
                        for role in roles {
                            json.object { json in
                                json.member("id", role.id)
                                json.member("name", role.name)
                            }
                        }
                    }
                }
                if let credential {
                    json.object("application_credential") { json in
                        json.member("id", credential.id)
                        json.member("name", credential.name)
                        json.member("restricted", !credential.unrestricted)
                    }
                }
            }
        }
        return json.bytes
    }

    /// `{"token":{…}}` with `"catalog":<catalog>` added as the token's last member: the
    /// encoded body ends with the token's and the outer object's closing braces.
    static func splicing(catalog: ByteBuffer, into body: ByteBuffer) -> ByteBuffer {
        let member = #","catalog":"#
        let end = body.readerIndex + body.readableBytes - 2
        precondition(body.readableBytes >= 2 && body.getString(at: end, length: 2) == "}}")
        var buffer = ByteBuffer()
        buffer.reserveCapacity(body.readableBytes + member.utf8.count + catalog.readableBytes)
        buffer.writeImmutableBuffer(body.getSlice(at: body.readerIndex, length: body.readableBytes - 2)!)
        buffer.writeString(member)
        buffer.writeImmutableBuffer(catalog)
        buffer.writeString("}}")
        return buffer
    }

    private struct RenderInputs: Sendable {
        var user: UserRecord
        var project: ProjectRecord?
        var domains: [String: DomainRecord]
        var credential: ApplicationCredentialRecord?
        var assigned: Set<String>
    }
}

/// Lets every service's token middleware validate through the Identity service's provider.
struct LocalTokenValidator: TokenValidating {
    let provider: TokenProvider

    func validate(token: String) async throws -> AuthContext {
        do {
            return try await provider.validate(token).context
        } catch let failure as TokenFailure {
            throw IdentityErrors.unauthorized("The request you have made requires authentication. \(failure.description)")
        }
    }
}
