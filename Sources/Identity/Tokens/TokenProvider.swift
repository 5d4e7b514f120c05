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

/// A token that passed validation: who it speaks for and its rendered bodies. A class:
/// the cache hands the same instance to every request that presents the token.
final class ValidatedToken: Sendable {
    let payload: TokenPayload
    let context: AuthContext
    /// `{"token": {...}}` with and without the catalog, encoded once; responses share the
    /// buffers' storage instead of copying them.
    let body: ByteBuffer
    let bodyWithoutCatalog: ByteBuffer
    let generation: Int

    init(payload: TokenPayload, context: AuthContext, body: ByteBuffer, bodyWithoutCatalog: ByteBuffer, generation: Int) {
        self.payload = payload
        self.context = context
        self.body = body
        self.bodyWithoutCatalog = bodyWithoutCatalog
        self.generation = generation
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
    private static let cacheLimit = 100_000

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
        let inputsKey = "\(payload.userID)|\(payload.scope)|\(payload.applicationCredentialID ?? "")"
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
        var token: [String: JSONValue] = [
            "methods": .array(payload.methods.map(JSONValue.string)),
            "user": [
                "id": .string(loaded.user.id), "name": .string(loaded.user.name),
                "domain": ["id": .string(userDomain.id), "name": .string(userDomain.name)],
                "password_expires_at": .optional(loaded.user.passwordExpiresAt?.iso8601Microseconds),
            ],
            "audit_ids": .array(payload.auditIDs.map(JSONValue.string)),
            "expires_at": .string(payload.expiresAt.iso8601Microseconds),
            "issued_at": .string(payload.issuedAt.iso8601Microseconds),
        ]
        let scope: AuthContext.Scope
        switch payload.scope {
        case .unscoped:
            scope = .unscoped
        case .system:
            scope = .system
            token["system"] = ["all": true]
        case .domain(let id):
            guard let domain = loaded.domains[id] else { throw TokenFailure("The domain no longer exists.") }
            guard domain.enabled else { throw TokenFailure("The domain is disabled.") }
            scope = .domain(id: id, name: domain.name)
            token["domain"] = ["id": .string(id), "name": .string(domain.name)]
        case .project(let id):
            guard let project = loaded.project, let domain = loaded.domains[project.domainID], domain.enabled else {
                throw TokenFailure("The project's domain is disabled.")
            }
            scope = .project(id: id, name: project.name, domainID: domain.id, domainName: domain.name)
            token["project"] = [
                "id": .string(id), "name": .string(project.name),
                "domain": ["id": .string(domain.id), "name": .string(domain.name)],
            ]
            token["is_domain"] = false
        }
        if payload.scope != .unscoped {
            guard !tokenRoles.isEmpty else { throw TokenFailure("The user has no role on the token's scope.") }
            token["roles"] = .array(tokenRoles.map { ["id": .string($0.id), "name": .string($0.name)] })
        }
        if let credential = loaded.credential {
            token["application_credential"] = [
                "id": .string(credential.id), "name": .string(credential.name),
                "restricted": .bool(!credential.unrestricted),
            ]
        }
        let withoutCatalog = JSONValue.object(["token": .object(token)]).serialized()
        let bodyWithoutCatalog = ByteBuffer(bytes: withoutCatalog)
        var body = bodyWithoutCatalog
        if payload.scope != .unscoped {
            let projectID: String? = if case .project(let id) = payload.scope { id } else { nil }
            let rendered = try await catalog.rendering(projectID: projectID, userID: loaded.user.id)
            body = Self.splicing(catalog: rendered.json, into: withoutCatalog)
        }
        let context = AuthContext(
            userID: loaded.user.id, userName: loaded.user.name, userDomainID: userDomain.id,
            userDomainName: userDomain.name, scope: scope, roles: tokenRoles, methods: payload.methods,
            auditIDs: payload.auditIDs, issuedAt: payload.issuedAt, expiresAt: payload.expiresAt,
            applicationCredentialID: payload.applicationCredentialID,
            isAdminProject: loaded.project.map { $0.name == "admin" && $0.domainID == "default" } ?? false)
        return ValidatedToken(
            payload: payload, context: context, body: body, bodyWithoutCatalog: bodyWithoutCatalog,
            generation: generation)
    }

    /// `{"token":{…}}` with `"catalog":<catalog>` added as the token's last member: the
    /// encoded body ends with the token's and the outer object's closing braces.
    static func splicing(catalog: [UInt8], into body: [UInt8]) -> ByteBuffer {
        precondition(body.count >= 2 && body[body.count - 2] == UInt8(ascii: "}") && body.last == UInt8(ascii: "}"))
        let member = Array(#","catalog":"#.utf8)
        var buffer = ByteBuffer()
        buffer.reserveCapacity(body.count + member.count + catalog.count)
        buffer.writeBytes(body[..<(body.count - 2)])
        buffer.writeBytes(member)
        buffer.writeBytes(catalog)
        buffer.writeBytes(body[(body.count - 2)...])
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
