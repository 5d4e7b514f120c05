import StratusKit

/// RBAC policies: a network's owner shares it with one project (or, as admin, with all),
/// as a network to put ports on (`access_as_shared`) or as an external network
/// (`access_as_external`). A share the target already uses cannot be withdrawn.
extension NetworkManager {
    static let rbacActions: Set<String> = ["access_as_shared", "access_as_external"]

    func visibleRBACPolicy(_ id: String, auth: AuthContext, in q: NetworkQueries) async throws -> RBACPolicyRecord {
        guard let policyRecord = try await q.rbacPolicies(ids: [id]).first,
            policy.allows("get_rbac_policy", auth, target: Self.routerTarget(policyRecord.projectID))
        else { throw APIError(.notFound, "RBAC policy \(id) could not be found.", type: "RbacPolicyNotFound") }
        return policyRecord
    }

    func createRBACPolicy(
        objectType: String, objectID: String, action: String, targetProject: String, description: String?,
        auth: AuthContext
    ) async throws -> RBACPolicyRecord {
        guard objectType == "network" else {
            throw NetworkErrors.invalidInput("'\(objectType)' is not in ['network']")
        }
        guard Self.rbacActions.contains(action) else {
            throw NetworkErrors.invalidInput("'\(action)' is not in \(Self.rbacActions.sorted())")
        }
        let now = Timestamp.now()
        return try await write { q in
            let network = try await self.visibleNetwork(objectID, auth: auth, in: q)
            let target = Self.routerTarget(network.projectID)
            try self.policy.enforce("create_rbac_policy", auth, target: target)
            if targetProject == "*" { try self.policy.enforce("create_rbac_policy:target_tenant", auth, target: target) }
            guard network.projectID == auth.projectID || self.policy.isAdmin(auth) else {
                throw NetworkErrors.notFound("Network", objectID)
            }
            if try await q.rbacPolicies(objectIDs: [objectID]).contains(where: { $0.action == action && $0.targetProject == targetProject }) {
                throw APIError(
                    .conflict, "An RBAC policy already exists with those values.", type: "DuplicateRbacPolicy")
            }
            try await self.checkQuota("rbac_policy", projectID: network.projectID, in: q)
            let record = RBACPolicyRecord(
                id: IDGenerator.uuid(), projectID: network.projectID, objectType: objectType, objectID: objectID,
                action: action, targetProject: targetProject,
                standard: StandardAttributes(description: description ?? "", createdAt: now, updatedAt: now, revisionNumber: 0))
            try await q.save(record, exists: false)
            return record
        }
    }

    func listRBACPolicies(auth: AuthContext) async throws -> [RBACPolicyRecord] {
        try await read { q in
            try await q.rbacPolicies(projectID: self.policy.isAdmin(auth) ? nil : auth.projectID ?? "")
        }
    }

    func getRBACPolicy(_ id: String, auth: AuthContext) async throws -> RBACPolicyRecord {
        try await read { q in try await self.visibleRBACPolicy(id, auth: auth, in: q) }
    }

    func updateRBACPolicy(_ id: String, targetProject: String?, description: String?, expectedRevision: Int64? = nil, auth: AuthContext) async throws
        -> RBACPolicyRecord
    {
        try await write { q in
            var record = try await self.visibleRBACPolicy(id, auth: auth, in: q)
            try Self.requireRevision(expectedRevision, current: record.standard.revisionNumber)
            try self.policy.enforce("update_rbac_policy", auth, target: Self.routerTarget(record.projectID))
            if let targetProject, targetProject != record.targetProject {
                if targetProject == "*" {
                    try self.policy.enforce("create_rbac_policy:target_tenant", auth, target: Self.routerTarget(record.projectID))
                }
                try await self.requireUnused(record, in: q)
                record.targetProject = targetProject
            }
            if let description { record.standard.description = description }
            record.standard.updatedAt = Timestamp.now()
            record.standard.revisionNumber += 1
            try await q.save(record, exists: true)
            return record
        }
    }

    func deleteRBACPolicy(_ id: String, expectedRevision: Int64? = nil, auth: AuthContext) async throws {
        try await write { q in
            let record = try await self.visibleRBACPolicy(id, auth: auth, in: q)
            try Self.requireRevision(expectedRevision, current: record.standard.revisionNumber)
            try self.policy.enforce("delete_rbac_policy", auth, target: Self.routerTarget(record.projectID))
            try await self.requireUnused(record, in: q)
            try await q.delete("rbac_policies", id: id)
        }
    }

    /// A share whose target has ports on the network (and no other grant) stays.
    private func requireUnused(_ record: RBACPolicyRecord, in q: NetworkQueries) async throws {
        guard record.action == "access_as_shared", let network = try await q.network(id: record.objectID), !network.shared
        else { return }
        let ports = try await q.ports(networkIDs: [network.id]).filter { $0.projectID != network.projectID && !$0.projectID.isEmpty }
        let others = network.sharedWith.filter { $0 != record.targetProject }
        let dependent = ports.filter { port in
            (record.targetProject == "*" || port.projectID == record.targetProject)
                && !others.contains("*") && !others.contains(port.projectID)
        }
        if !dependent.isEmpty {
            throw APIError(
                .conflict, "RBAC policy on object \(record.objectID) cannot be removed because other objects depend on it.",
                type: "RbacPolicyInUse")
        }
    }
}
