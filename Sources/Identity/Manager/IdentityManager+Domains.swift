import StratusKit

extension IdentityManager {
    func requireDomain(_ id: String, in q: IdentityQueries) async throws -> DomainRecord {
        guard let domain = try await q.domain(id: id) else { throw IdentityErrors.notFound("domain", id) }
        return domain
    }

    func createDomain(_ domain: DomainRecord, auth: AuthContext) async throws -> DomainRecord {
        try policy.enforce("identity:create_domain", auth, target: PolicyTargets.domain(domain))
        return try await store.write { q in
            if try await q.domain(name: domain.name) != nil {
                throw IdentityErrors.duplicate("domain", "name \(domain.name) already exists")
            }
            if try await q.domain(id: domain.id) != nil {
                throw IdentityErrors.duplicate("domain", "id \(domain.id) already exists")
            }
            try await q.insert(domain)
            return domain
        }
    }

    func updateDomain(_ id: String, auth: AuthContext, change: @escaping @Sendable (inout DomainRecord) throws -> Void)
        async throws -> DomainRecord
    {
        try await store.write { q in
            var domain = try await self.requireDomain(id, in: q)
            try self.policy.enforce("identity:update_domain", auth, target: PolicyTargets.domain(domain))
            let wasEnabled = domain.enabled
            try change(&domain)
            if let other = try await q.domain(name: domain.name), other.id != id {
                throw IdentityErrors.duplicate("domain", "name \(domain.name) already exists")
            }
            try await q.update(domain)
            if wasEnabled, !domain.enabled { try await self.revoke(in: q, domainID: id) }
            return domain
        }
    }

    /// Deletes a disabled domain and everything in it.
    func deleteDomain(_ id: String, auth: AuthContext) async throws {
        try await store.write { q in
            let domain = try await self.requireDomain(id, in: q)
            try self.policy.enforce("identity:delete_domain", auth, target: PolicyTargets.domain(domain))
            guard !domain.enabled else {
                throw APIError.forbidden("Cannot delete a domain that is enabled, please disable it first.")
            }
            for project in try await q.listProjects(.init(domainID: id)) { try await q.deleteProject(id: project.id) }
            for user in try await q.listUsers(name: nil, domainID: id, enabled: nil) { try await q.deleteUser(id: user.id) }
            for group in try await q.listGroups(name: nil, domainID: id) { try await q.deleteGroup(id: group.id) }
            for role in try await q.allRoles() where role.domainID == id { try await q.deleteRole(id: role.id) }
            try await q.sql.delete(from: "assignments").where("target_id", .equal, id).run()
            try await q.delete(from: "domains", where: "id", id)
            try await self.revoke(in: q, domainID: id)
        }
    }

    /// Domains where the user holds a role directly or through a group.
    func domainsWithAccess(userID: String) async throws -> [DomainRecord] {
        try await store.read { q in
            let actors = [userID] + (try await q.groupIDs(ofUser: userID))
            let ids = Set(
                try await q.assignments(actorIDs: actors)
                    .filter { ($0.type == .userDomain || $0.type == .groupDomain) && !$0.inherited }.map(\.targetID))
            return try await q.domains(ids: ids).values.filter(\.enabled).sorted { $0.name < $1.name }
        }
    }
}
