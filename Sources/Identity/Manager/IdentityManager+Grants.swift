import StratusKit

extension IdentityManager {
    enum GrantOperation: Sendable {
        case create, check, revoke

        func rule(system: Bool, group: Bool) -> String {
            switch (self, system) {
            case (.create, false): "identity:create_grant"
            case (.check, false): "identity:check_grant"
            case (.revoke, false): "identity:revoke_grant"
            case (.create, true): group ? "identity:create_system_grant_for_group" : "identity:create_system_grant_for_user"
            case (.check, true): group ? "identity:check_system_grant_for_group" : "identity:check_system_grant_for_user"
            case (.revoke, true): group ? "identity:revoke_system_grant_for_group" : "identity:revoke_system_grant_for_user"
            }
        }
    }

    /// Loads the actor, target and role of a grant, checks policy, and builds the record.
    private func grantRecord(
        _ q: IdentityQueries, target: AssignmentTarget, actorIsGroup: Bool, actorID: String, roleID: String?,
        inherited: Bool, rule: String, auth: AuthContext
    ) async throws -> (AssignmentRecord?, [String]) {
        var policyTarget: PolicyAttributes = [:]
        var affectedUsers: [String] = []
        if actorIsGroup {
            guard let group = try await q.group(id: actorID) else { throw IdentityErrors.notFound("group", actorID) }
            policyTarget = policyTarget.merging(PolicyTargets.group(group))
            affectedUsers = try await q.memberIDs(ofGroups: [actorID])[actorID] ?? []
        } else {
            policyTarget = policyTarget.merging(PolicyTargets.user(try await requireUser(actorID, in: q)))
            affectedUsers = [actorID]
        }
        switch target {
        case .project(let id):
            policyTarget = policyTarget.merging(PolicyTargets.project(try await requireProject(id, in: q)))
        case .domain(let id):
            policyTarget = policyTarget.merging(PolicyTargets.domain(try await requireDomain(id, in: q)))
        case .system:
            break
        }
        var record: AssignmentRecord?
        if let roleID {
            guard let role = try await q.role(id: roleID) else { throw IdentityErrors.notFound("role", roleID) }
            policyTarget = policyTarget.merging(PolicyTargets.role(role))
            record = AssignmentRecord(
                type: .of(actorIsGroup: actorIsGroup, target: target), actorID: actorID, targetID: target.id,
                roleID: roleID, inherited: inherited)
        }
        try policy.enforce(rule, auth, target: policyTarget)
        return (record, affectedUsers)
    }

    func grant(
        _ operation: GrantOperation, target: AssignmentTarget, actorIsGroup: Bool, actorID: String, roleID: String,
        inherited: Bool, auth: AuthContext
    ) async throws {
        let rule = operation.rule(system: target == .system, group: actorIsGroup)
        switch operation {
        case .check:
            let found = try await store.read { q in
                let (record, _) = try await self.grantRecord(
                    q, target: target, actorIsGroup: actorIsGroup, actorID: actorID, roleID: roleID, inherited: inherited,
                    rule: rule, auth: auth)
                return try await q.hasAssignment(record!)
            }
            if !found { throw APIError.notFound("Could not find role assignment with role: \(roleID), \(actorIsGroup ? "group" : "user"): \(actorID).") }
        case .create:
            try await store.write { q in
                let (record, _) = try await self.grantRecord(
                    q, target: target, actorIsGroup: actorIsGroup, actorID: actorID, roleID: roleID, inherited: inherited,
                    rule: rule, auth: auth)
                try await q.insert(record!)
            }
        case .revoke:
            try await store.write { q in
                let (record, users) = try await self.grantRecord(
                    q, target: target, actorIsGroup: actorIsGroup, actorID: actorID, roleID: roleID, inherited: inherited,
                    rule: rule, auth: auth)
                guard try await q.hasAssignment(record!) else {
                    throw APIError.notFound("Could not find role assignment with role: \(roleID), \(actorIsGroup ? "group" : "user"): \(actorID).")
                }
                try await q.delete(record!)
                for user in users {
                    switch target {
                    case .project(let id): try await self.revoke(in: q, userID: user, projectID: id)
                    case .domain(let id) where !inherited: try await self.revoke(in: q, userID: user, domainID: id)
                    default: try await self.revoke(in: q, userID: user)
                    }
                }
            }
        }
    }

    /// The roles an actor holds directly on a target (the grant list calls).
    func listGrants(target: AssignmentTarget, actorIsGroup: Bool, actorID: String, inherited: Bool, auth: AuthContext)
        async throws -> [RoleRecord]
    {
        let rule = target == .system
            ? (actorIsGroup ? "identity:list_system_grants_for_group" : "identity:list_system_grants_for_user")
            : "identity:list_grants"
        let roleIDs = try await store.read { q in
            _ = try await self.grantRecord(
                q, target: target, actorIsGroup: actorIsGroup, actorID: actorID, roleID: nil, inherited: inherited,
                rule: rule, auth: auth)
            return try await q.assignments(actorIDs: [actorID], targetIDs: [target.id])
                .filter { $0.type == .of(actorIsGroup: actorIsGroup, target: target) && $0.inherited == inherited }
                .map(\.roleID)
        }
        let table = try await tokens.roles.table()
        return roleIDs.compactMap { table.roles[$0] }.sorted { $0.name < $1.name }
    }
}
