import StratusKit

/// `POST /v3/auth/tokens`: checks the identity methods, resolves the requested scope,
/// and issues the token.
extension IdentityManager {
    struct AuthRequest: Sendable {
        enum Identity: Sendable {
            case password(user: UserReference, password: String)
            case token(String)
            case applicationCredential(id: String?, name: String?, user: UserReference?, secret: String)
        }
        enum UserReference: Sendable {
            case id(String)
            case name(String, domain: DomainReference)

            /// A lookup-cache key (built by hand: interpolating an enum goes through reflection).
            var cacheKey: String {
                switch self {
                case .id(let id): "id|" + id
                case .name(let name, let domain): "name|" + domain.cacheKey + "|" + name
                }
            }
        }
        enum DomainReference: Sendable {
            case id(String)
            case name(String)

            var cacheKey: String {
                switch self {
                case .id(let id): "id:" + id
                case .name(let name): "name:" + name
                }
            }
        }
        enum ScopeRequest: Sendable {
            case none
            case unscoped
            case project(id: String?, name: String?, domain: DomainReference?)
            case domain(DomainReference)
            case system
        }
        var identity: Identity
        var scope: ScopeRequest
    }

    func authenticate(_ request: AuthRequest) async throws -> (token: String, validated: ValidatedToken) {
        switch request.identity {
        case .password(let reference, let password):
            let user = try await authenticatePassword(reference, password: password)
            let scope = try await resolveScope(request.scope, user: user)
            return try await issueScoped(user: user, methods: ["password"], scope: scope)
        case .token(let token):
            let original: ValidatedToken
            do {
                original = try await tokens.validate(token)
            } catch let failure as TokenFailure {
                throw IdentityErrors.unauthorized("The request you have made requires authentication. \(failure)")
            }
            if original.payload.applicationCredentialID != nil {
                throw APIError.forbidden("A token created with an application credential cannot be used to create another token.")
            }
            guard let user = try await store.read({ q in try await q.user(id: original.payload.userID) }) else {
                throw IdentityErrors.unauthorized()
            }
            let scope = try await resolveScope(request.scope, user: user)
            var methods = ["token"]
            for method in original.payload.methods where !methods.contains(method) { methods.append(method) }
            return try await issueScoped(
                user: user, methods: methods, scope: scope, expiresAt: original.payload.expiresAt,
                auditChain: [original.payload.auditIDs.last!])
        case .applicationCredential(let id, let name, let userReference, let secret):
            let credential = try await findApplicationCredential(id: id, name: name, user: userReference)
            guard await hasher.verify(secret, hash: credential.secretHash) else {
                throw IdentityErrors.unauthorized()
            }
            if let expires = credential.expiresAt, expires <= Timestamp.now() {
                throw IdentityErrors.unauthorized("The application credential has expired.")
            }
            guard let user = try await store.read({ q in try await q.user(id: credential.userID) }), user.enabled else {
                throw IdentityErrors.unauthorized()
            }
            switch request.scope {
            case .none, .unscoped: break
            case .project(let id, _, _) where id == credential.projectID: break
            default:
                throw IdentityErrors.unauthorized("An application credential can only be scoped to its own project.")
            }
            return try await issueScoped(
                user: user, methods: ["application_credential"], scope: .project(credential.projectID),
                expiresAt: credential.expiresAt, applicationCredentialID: credential.id)
        }
    }

    private func issueScoped(
        user: UserRecord, methods: [String], scope: TokenPayload.Scope, expiresAt: Timestamp? = nil,
        auditChain: [String] = [], applicationCredentialID: String? = nil
    ) async throws -> (token: String, validated: ValidatedToken) {
        do {
            return try await tokens.issue(
                userID: user.id, methods: methods, scope: scope, expiresAt: expiresAt, auditChain: auditChain,
                applicationCredentialID: applicationCredentialID)
        } catch let failure as TokenFailure {
            switch scope {
            case .project(let id):
                throw IdentityErrors.unauthorized("User \(user.id) has no access to project \(id)")
            case .domain(let id):
                throw IdentityErrors.unauthorized("User \(user.id) has no access to domain \(id)")
            case .system:
                throw IdentityErrors.unauthorized("User \(user.id) has no access to the system")
            case .unscoped:
                throw IdentityErrors.unauthorized("The request you have made requires authentication. \(failure)")
            }
        }
    }

    func findUser(_ reference: AuthRequest.UserReference, in q: IdentityQueries) async throws -> UserRecord? {
        switch reference {
        case .id(let id):
            return try await q.user(id: id)
        case .name(let name, let domainReference):
            guard let domain = try await findDomain(domainReference, in: q) else { return nil }
            return try await q.user(name: name, domainID: domain.id)
        }
    }

    func findDomain(_ reference: AuthRequest.DomainReference, in q: IdentityQueries) async throws -> DomainRecord? {
        switch reference {
        case .id(let id): try await q.domain(id: id)
        case .name(let name): try await q.domain(name: name)
        }
    }

    private func authenticatePassword(_ reference: AuthRequest.UserReference, password: String) async throws
        -> UserRecord
    {
        let found = try await authLookups.value("user|" + reference.cacheKey, generation: store.generation) {
            try await store.read { q in
                guard let user = try await self.findUser(reference, in: q) else { return AuthLookup() }
                return AuthLookup(user: user, userDomain: try await q.domain(id: user.domainID))
            }
        }
        guard let user = found.user, let hash = user.passwordHash else {
            // Spend the time a real check would, so a missing user cannot be told apart.
            _ = await hasher.verify(password, hash: PasswordHasher.decoyHash)
            throw IdentityErrors.unauthorized()
        }
        let compliance = settings.compliance
        let now = Timestamp.now()
        if compliance.lockoutFailureAttempts > 0, user.failedAuthCount >= compliance.lockoutFailureAttempts,
            let failedAt = user.failedAuthAt, now < failedAt.adding(seconds: compliance.lockoutDuration)
        {
            throw IdentityErrors.unauthorized("The account is locked for user: \(user.id).")
        }
        guard await hasher.verify(password, hash: hash) else {
            if compliance.lockoutFailureAttempts > 0 {
                try await store.write { q in
                    guard var current = try await q.user(id: user.id) else { return }
                    let expired = current.failedAuthAt.map { now >= $0.adding(seconds: compliance.lockoutDuration) } ?? true
                    current.failedAuthCount = expired && current.failedAuthCount >= compliance.lockoutFailureAttempts
                        ? 1 : current.failedAuthCount + 1
                    current.failedAuthAt = now
                    try await q.update(current)
                }
            }
            throw IdentityErrors.unauthorized()
        }
        guard user.enabled, found.userDomain?.enabled == true else {
            throw IdentityErrors.unauthorized("The account is disabled for user: \(user.id).")
        }
        if let expires = user.passwordExpiresAt, expires <= now {
            throw IdentityErrors.unauthorized("The password is expired and needs to be changed for user: \(user.id).")
        }
        if user.failedAuthCount > 0 {
            try await store.write { q in
                guard var current = try await q.user(id: user.id) else { return }
                current.failedAuthCount = 0
                current.failedAuthAt = nil
                try await q.update(current)
            }
        }
        return user
    }

    private func resolveScope(_ request: AuthRequest.ScopeRequest, user: UserRecord) async throws
        -> TokenPayload.Scope
    {
        switch request {
        case .unscoped:
            return .unscoped
        case .system:
            return .system
        case .none:
            guard let defaultProject = user.defaultProjectID else { return .unscoped }
            let hasRoles = try await store.read { q in
                try await !self.tokens.roles.assignedRoleIDs(userID: user.id, scope: .project(defaultProject), in: q).isEmpty
            }
            return hasRoles ? .project(defaultProject) : .unscoped
        case .domain(let reference):
            guard let domain = try await store.read({ q in try await self.findDomain(reference, in: q) }) else {
                throw IdentityErrors.unauthorized("Could not find the requested domain.")
            }
            return .domain(domain.id)
        case .project(let id, let name, let domainReference):
            let key = "project|" + (id ?? "") + "|" + (domainReference?.cacheKey ?? "") + "|" + (name ?? "")
            let project = try await authLookups.value(key, generation: store.generation) {
                try await store.read { q in
                    if let id { return AuthLookup(project: try await q.project(id: id)) }
                    guard let name, let domainReference, let domain = try await self.findDomain(domainReference, in: q)
                    else { return AuthLookup() }
                    return AuthLookup(project: try await q.project(name: name, domainID: domain.id))
                }
            }.project
            guard let project else { throw IdentityErrors.unauthorized("Could not find the requested project.") }
            guard project.enabled else { throw IdentityErrors.unauthorized("The project \(project.id) is disabled.") }
            return .project(project.id)
        }
    }

    private func findApplicationCredential(id: String?, name: String?, user: AuthRequest.UserReference?) async throws
        -> ApplicationCredentialRecord
    {
        let found = try await store.read { q -> ApplicationCredentialRecord? in
            if let id { return try await q.applicationCredential(id: id) }
            guard let name, let user, let owner = try await self.findUser(user, in: q) else { return nil }
            return try await q.applicationCredential(userID: owner.id, name: name)
        }
        guard let found else { throw IdentityErrors.unauthorized() }
        return found
    }
}

extension PasswordHasher {
    /// A bcrypt hash of a random string, checked when the user does not exist.
    static let decoyHash = PasswordHasher.hashNowOrEmpty(IDGenerator.hex())
}

extension PasswordHasher {
    fileprivate static func hashNowOrEmpty(_ text: String) -> String {
        (try? hashNow(text, algorithm: .bcrypt, rounds: 12)) ?? ""
    }
}
