import StratusKit

/// One row of `GET /v3/role_assignments`.
struct RoleAssignmentEntry: Sendable, Hashable {
    var actorID: String
    var actorIsGroup: Bool
    var target: AssignmentTarget
    var roleID: String
    var inherited: Bool
    /// Set when the entry was expanded from a group membership (`effective`).
    var viaGroupID: String?
    /// Set when the entry was expanded from an inherited assignment on this target.
    var inheritedFrom: AssignmentTarget?
    /// Set when the role is implied by another assigned role.
    var priorRoleID: String?
}

extension IdentityManager {
    struct RoleAssignmentQuery: Sendable {
        var userID: String?
        var groupID: String?
        var projectID: String?
        var domainID: String?
        var system: Bool = false
        var roleID: String?
        var inheritedOnly: Bool = false
        var effective: Bool = false
        var includeSubtree: Bool = false
    }

    /// Keystone's role-assignment listing: raw assignments, or with `effective` the
    /// assignments as tokens see them (groups expanded into their members, inherited
    /// assignments expanded onto projects, implied roles added).
    func listRoleAssignments(_ query: RoleAssignmentQuery) async throws -> [RoleAssignmentEntry] {
        if query.effective, query.groupID != nil {
            throw APIError.badRequest("Specifying group.id with effective is not allowed.")
        }
        let table = try await tokens.roles.table()
        return try await store.read { q in
            var raw = try await q.assignments().map {
                RoleAssignmentEntry(
                    actorID: $0.actorID, actorIsGroup: $0.type.actorIsGroup, target: $0.target, roleID: $0.roleID,
                    inherited: $0.inherited)
            }
            var subtree: Set<String> = []
            if let projectID = query.projectID {
                subtree = [projectID]
                if query.includeSubtree {
                    subtree.formUnion(ProjectHierarchy(try await q.projectTree()).descendants(ofAny: [projectID]))
                }
            }
            if query.effective {
                let groupIDs = Array(Set(raw.filter(\.actorIsGroup).map(\.actorID)))
                let members = try await q.memberIDs(ofGroups: groupIDs)
                let tree = try await q.projectTree()
                let hierarchy = ProjectHierarchy(tree)
                var expanded: [RoleAssignmentEntry] = []
                for entry in raw {
                    let actors: [(String, String?)] =
                        entry.actorIsGroup ? (members[entry.actorID] ?? []).map { ($0, entry.actorID) } : [(entry.actorID, nil)]
                    var targets: [(AssignmentTarget, AssignmentTarget?)] = [(entry.target, nil)]
                    if entry.inherited {
                        switch entry.target {
                        case .domain(let domainID):
                            targets = tree.filter { $0.domainID == domainID }.map { (.project($0.id), entry.target) }
                        case .project(let projectID):
                            targets = hierarchy.descendants(ofAny: [projectID]).map { (.project($0), entry.target) }
                        case .system:
                            targets = []
                        }
                    }
                    for (actor, group) in actors {
                        for (target, source) in targets {
                            expanded.append(
                                RoleAssignmentEntry(
                                    actorID: actor, actorIsGroup: false, target: target, roleID: entry.roleID,
                                    inherited: false, viaGroupID: group, inheritedFrom: source))
                            for implied in table.expanding([entry.roleID]) where implied != entry.roleID {
                                expanded.append(
                                    RoleAssignmentEntry(
                                        actorID: actor, actorIsGroup: false, target: target, roleID: implied,
                                        inherited: false, viaGroupID: group, inheritedFrom: source,
                                        priorRoleID: entry.roleID))
                            }
                        }
                    }
                }
                raw = expanded
            }
            var seen = Set<RoleAssignmentEntry>()
            return raw.filter { entry in
                if let userID = query.userID, entry.actorIsGroup || entry.actorID != userID { return false }
                if let groupID = query.groupID, !entry.actorIsGroup || entry.actorID != groupID { return false }
                if let roleID = query.roleID, entry.roleID != roleID { return false }
                if query.inheritedOnly, !entry.inherited { return false }
                if query.projectID != nil {
                    guard case .project(let id) = entry.target, subtree.contains(id) else { return false }
                }
                if let domainID = query.domainID, entry.target != .domain(domainID) { return false }
                if query.system, entry.target != .system { return false }
                return seen.insert(entry).inserted
            }
        }
    }
}
