import StratusKit

/// Server groups: a project's named scheduling policies. Members are added by the server
/// create path (`ComputeQueries.addServerGroupMember`); the API creates, lists, shows and
/// deletes groups.
extension ComputeManager {
    static let serverGroupPolicies = ["affinity", "anti-affinity", "soft-affinity", "soft-anti-affinity"]

    func createServerGroup(_ auth: AuthContext, name: String, policy groupPolicy: String, maxServerPerHost: Int64?) async throws
        -> ServerGroupRecord
    {
        try policy.enforce("os_compute_api:os-server-groups:create", auth, target: Self.projectTarget(auth))
        let projectID = auth.projectID ?? ""
        let group = try await write { q in
            try await quotaCheck.checkServerGroup(q, projectID: projectID, userID: auth.userID)
            let record = ServerGroupRecord(
                id: try await q.nextServerGroupID(), uuid: IDGenerator.uuid(), name: name, projectID: projectID,
                userID: auth.userID, policy: groupPolicy, maxServerPerHost: maxServerPerHost, createdAt: .now())
            try await q.insertServerGroup(record)
            return record
        }
        logger.info("server group created", metadata: ["group": "\(group.uuid)", "policy": "\(groupPolicy)"])
        return group
    }

    /// The caller's project's groups, or every project's for an admin asking `all_projects`.
    func listServerGroups(_ auth: AuthContext, allProjects: Bool, offset: Int, limit: Int?) async throws -> [ServerGroupRecord] {
        try policy.enforce("os_compute_api:os-server-groups:index", auth, target: Self.projectTarget(auth))
        let everyone = allProjects && policy.allows("os_compute_api:os-server-groups:index:all_projects", auth)
        let groups = try await read { q in try await q.serverGroups(projectID: everyone ? nil : auth.projectID ?? "") }
        let page = groups.dropFirst(offset)
        return Array(limit.map { page.prefix($0) } ?? page)
    }

    func serverGroup(_ auth: AuthContext, uuid: String) async throws -> ServerGroupRecord {
        guard let group = try await read({ q in try await q.serverGroup(uuid: uuid) }) else {
            throw ComputeErrors.notFound("Instance group \(uuid) could not be found.")
        }
        try policy.enforce("os_compute_api:os-server-groups:show", auth, target: ["project_id": .string(group.projectID)])
        return group
    }

    func deleteServerGroup(_ auth: AuthContext, uuid: String) async throws {
        let group = try await read { q in try await q.serverGroup(uuid: uuid) }
        guard let group else { throw ComputeErrors.notFound("Instance group \(uuid) could not be found.") }
        try policy.enforce("os_compute_api:os-server-groups:delete", auth, target: ["project_id": .string(group.projectID)])
        try await write { q in try await q.deleteServerGroup(uuid: uuid) }
        logger.info("server group deleted", metadata: ["group": "\(uuid)"])
    }
}
