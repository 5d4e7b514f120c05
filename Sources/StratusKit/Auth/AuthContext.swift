/// A role as tokens carry it.
public struct RoleReference: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }
}

/// Who is calling and in which scope: what a validated token says. Every service's
/// managers receive it (through `StratusRequestContext.auth`) and hand it to the policy engine.
public struct AuthContext: Sendable {
    public enum Scope: Sendable, Hashable {
        case unscoped
        case project(id: String, name: String, domainID: String, domainName: String)
        case domain(id: String, name: String)
        case system
    }

    public var userID: String { didSet { refreshCredentials() } }
    public var userName: String
    public var userDomainID: String { didSet { refreshCredentials() } }
    public var userDomainName: String
    public var scope: Scope { didSet { refreshCredentials() } }
    public var roles: [RoleReference] { didSet { refreshCredentials() } }
    public var methods: [String]
    public var auditIDs: [String]
    public var issuedAt: Timestamp
    public var expiresAt: Timestamp
    public var applicationCredentialID: String?
    /// True when the token is scoped to the cloud's admin project (Keystone's `is_admin_project`).
    public var isAdminProject: Bool { didSet { refreshCredentials() } }
    /// The credentials a policy check sees, keyed as oslo.context renders them; built once
    /// per token (every request of that token checks policy against them).
    public private(set) var policyCredentials: PolicyAttributes = [:]

    public init(
        userID: String, userName: String, userDomainID: String, userDomainName: String, scope: Scope,
        roles: [RoleReference], methods: [String], auditIDs: [String], issuedAt: Timestamp, expiresAt: Timestamp,
        applicationCredentialID: String? = nil, isAdminProject: Bool = false
    ) {
        self.userID = userID
        self.userName = userName
        self.userDomainID = userDomainID
        self.userDomainName = userDomainName
        self.scope = scope
        self.roles = roles
        self.methods = methods
        self.auditIDs = auditIDs
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.applicationCredentialID = applicationCredentialID
        self.isAdminProject = isAdminProject
        refreshCredentials()
    }

    public var projectID: String? {
        if case .project(let id, _, _, _) = scope { return id }
        return nil
    }

    public var projectDomainID: String? {
        if case .project(_, _, let domainID, _) = scope { return domainID }
        return nil
    }

    public var domainID: String? {
        if case .domain(let id, _) = scope { return id }
        return nil
    }

    private mutating func refreshCredentials() {
        var credentials: PolicyAttributes = [
            "user_id": .string(userID),
            "user_domain_id": .string(userDomainID),
            "roles": .list(roles.map { $0.name.lowercased() }),
            "is_admin_project": .bool(isAdminProject),
            "token.is_admin_project": .bool(isAdminProject),
            "project_id": .none,
            "project_domain_id": .none,
            "domain_id": .none,
            "system_scope": .none,
        ]
        switch scope {
        case .project(let id, _, let domainID, _):
            credentials["project_id"] = .string(id)
            credentials["project_domain_id"] = .string(domainID)
            credentials["token.project.domain.id"] = .string(domainID)
        case .domain(let id, _):
            credentials["domain_id"] = .string(id)
            credentials["token.domain.id"] = .string(id)
        case .system:
            credentials["system_scope"] = .string("all")
        case .unscoped:
            break
        }
        policyCredentials = credentials
    }
}
