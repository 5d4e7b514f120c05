import StratusKit

/// Per-project limits on Neutron's resources (`/v2.0/quotas`), checked in the transaction
/// that creates a resource: going over is 409 `OverQuota`.
extension NetworkManager {
    static let defaultQuotas: [String: Int64] = [
        "network": 100, "subnet": 100, "subnetpool": -1, "port": 500, "router": 10, "floatingip": 50,
        "security_group": 10, "security_group_rule": 100, "rbac_policy": 10,
    ]

    func limits(projectID: String, in q: NetworkQueries) async throws -> [String: Int64] {
        Self.defaultQuotas.merging(try await q.quotaOverrides(projectID: projectID)) { _, set in set }
    }

    /// Refuses one more `resource` for the project when it is at its limit (-1: none).
    func checkQuota(_ resource: String, projectID: String, in q: NetworkQueries) async throws {
        let limit = try await limits(projectID: projectID, in: q)[resource] ?? -1
        guard limit >= 0 else { return }
        if try await q.usage(resource, projectID: projectID) >= limit {
            throw APIError(.conflict, "Quota exceeded for resources: ['\(resource)'].", type: "OverQuota")
        }
    }

    private func quotaTarget(_ projectID: String) -> PolicyAttributes {
        ["project_id": .string(projectID), "tenant_id": .string(projectID)]
    }

    func quota(projectID: String, auth: AuthContext) async throws -> [String: Int64] {
        try policy.enforce("get_quota", auth, target: quotaTarget(projectID))
        return try await read { q in try await self.limits(projectID: projectID, in: q) }
    }

    func quotaDetails(projectID: String, auth: AuthContext) async throws -> [String: (limit: Int64, used: Int64)] {
        try policy.enforce("get_quota", auth, target: quotaTarget(projectID))
        return try await read { q in
            var details: [String: (limit: Int64, used: Int64)] = [:]
            for (resource, limit) in try await self.limits(projectID: projectID, in: q) {
                details[resource] = (limit, try await q.usage(resource, projectID: projectID))
            }
            return details
        }
    }

    func updateQuota(projectID: String, _ changes: [String: Int64], checkLimit: Bool = false, auth: AuthContext)
        async throws -> [String: Int64]
    {
        try policy.enforce("update_quota", auth, target: quotaTarget(projectID))
        for (resource, limit) in changes {
            guard Self.defaultQuotas[resource] != nil else {
                throw NetworkErrors.invalidInput("Unrecognized quota resource '\(resource)'")
            }
            guard limit >= -1 else { throw NetworkErrors.invalidInput("'\(limit)' should be greater than or equal to -1") }
        }
        return try await write { q in
            for (resource, limit) in changes {
                if checkLimit, limit >= 0 {
                    let used = try await q.usage(resource, projectID: projectID)
                    if used > limit {
                        throw APIError(
                            .badRequest, "Quota limit \(limit) for \(resource) must be greater than or equal to already used and reserved \(used).",
                            type: "InvalidQuotaValue")
                    }
                }
                try await q.setQuota(projectID: projectID, resource: resource, limit: limit)
            }
            return try await self.limits(projectID: projectID, in: q)
        }
    }

    func resetQuota(projectID: String, auth: AuthContext) async throws {
        try policy.enforce("delete_quota", auth, target: quotaTarget(projectID))
        try await write { q in try await q.deleteQuotas(projectID: projectID) }
    }

    func projectsWithQuotas(auth: AuthContext) async throws -> [(String, [String: Int64])] {
        try policy.enforce("get_quota", auth, target: ["project_id": .none])
        return try await read { q in
            var result: [(String, [String: Int64])] = []
            for project in try await q.projectsWithQuotas() { result.append((project, try await self.limits(projectID: project, in: q))) }
            return result
        }
    }
}
