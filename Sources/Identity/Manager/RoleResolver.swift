import StratusKit

/// Every role and implication, loaded once per store generation.
struct RoleTable: Sendable {
    var roles: [String: RoleRecord]
    /// prior role id → directly implied role ids.
    var implies: [String: [String]]

    /// `roleIDs` and everything they imply, transitively.
    func expanding(_ roleIDs: some Sequence<String>) -> Set<String> {
        var result = Set<String>()
        var pending = Array(roleIDs)
        while let next = pending.popLast() {
            guard result.insert(next).inserted else { continue }
            pending.append(contentsOf: implies[next] ?? [])
        }
        return result
    }

    /// The roles a token shows: implications expanded, domain-specific roles left out
    /// (Keystone uses those only for what they imply), sorted by name.
    func tokenRoles(from roleIDs: some Sequence<String>) -> [RoleReference] {
        expanding(roleIDs).compactMap { roles[$0] }.filter { $0.domainID == nil }
            .map { RoleReference(id: $0.id, name: $0.name) }.sorted { $0.name < $1.name }
    }
}

/// Works out which roles a user holds on a scope, directly, through groups, through
/// inheritance from the domain and parent projects, and through implied roles.
final class RoleResolver: Sendable {
    private let store: IdentityStore
    private let cached = GenerationCache<RoleTable>(limit: 1)

    init(store: IdentityStore) {
        self.store = store
    }

    func table() async throws -> RoleTable {
        try await cached.value("roles", generation: store.generation) {
            let (roles, implications) = try await store.read { q in (try await q.allRoles(), try await q.implications()) }
            var implies: [String: [String]] = [:]
            for pair in implications { implies[pair.prior, default: []].append(pair.implied) }
            return RoleTable(roles: Dictionary(roles.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }), implies: implies)
        }
    }

    /// The role ids assigned (before implication) to the user on the scope.
    func assignedRoleIDs(userID: String, scope: TokenPayload.Scope, in q: IdentityQueries) async throws -> Set<String> {
        let actors = [userID] + (try await q.groupIDs(ofUser: userID))
        switch scope {
        case .unscoped:
            return []
        case .system:
            return Set(
                try await q.assignments(actorIDs: actors, targetIDs: ["system"])
                    .filter { $0.type == .userSystem || $0.type == .groupSystem }.map(\.roleID))
        case .domain(let domainID):
            return Set(
                try await q.assignments(actorIDs: actors, targetIDs: [domainID])
                    .filter { ($0.type == .userDomain || $0.type == .groupDomain) && !$0.inherited }.map(\.roleID))
        case .project(let projectID):
            guard let project = try await q.project(id: projectID) else { return [] }
            let ancestors = try await q.ancestors(of: project).map(\.id)
            let targets = [projectID, project.domainID] + ancestors
            var result = Set<String>()
            for assignment in try await q.assignments(actorIDs: actors, targetIDs: targets) {
                switch assignment.type {
                case .userProject, .groupProject:
                    if assignment.targetID == projectID, !assignment.inherited {
                        result.insert(assignment.roleID)
                    } else if assignment.inherited, ancestors.contains(assignment.targetID) {
                        result.insert(assignment.roleID)
                    }
                case .userDomain, .groupDomain:
                    if assignment.inherited, assignment.targetID == project.domainID { result.insert(assignment.roleID) }
                case .userSystem, .groupSystem:
                    break
                }
            }
            return result
        }
    }
}
