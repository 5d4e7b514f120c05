import StratusKit

/// One resource of a quota set: its limit and what is used of it.
struct QuotaUsage: Sendable, Equatable {
    var limit: Int64
    var inUse: Int64
}

/// Quota sets (a project's or a user's limits), the `default` quota class, and the
/// usage counted from the tables.
extension ComputeManager {
    private static func target(_ projectID: String) -> PolicyAttributes { ["project_id": .string(projectID)] }

    /// Limits and usage of every resource for a project (or a user of it).
    func quotaUsage(_ auth: AuthContext, projectID: String, userID: String?, rule: String) async throws -> [String: QuotaUsage] {
        try policy.enforce("os_compute_api:os-quota-sets:\(rule)", auth, target: Self.target(projectID))
        return try await read { q in try await usage(q, projectID: projectID, userID: userID, keypairUser: userID ?? auth.userID) }
    }

    private func usage(_ q: ComputeQueries, projectID: String, userID: String?, keypairUser: String) async throws
        -> [String: QuotaUsage]
    {
        let limits = try await quotaCheck.limits(q, projectID: projectID, userID: userID)
        let instances = try await q.instanceUsage(projectID: projectID, userID: userID)
        let used: [String: Int64] = [
            "instances": instances.instances, "cores": instances.cores, "ram": instances.ram,
            "key_pairs": try await q.keypairCount(userID: keypairUser),
            "server_groups": try await q.serverGroupCount(projectID: projectID),
        ]
        return Dictionary(uniqueKeysWithValues: limits.map { ($0.key, QuotaUsage(limit: $0.value, inUse: used[$0.key] ?? 0)) })
    }

    /// Sets limits; without `force`, a limit below what is in use is refused (400).
    func updateQuotas(
        _ auth: AuthContext, projectID: String, userID: String?, limits: [String: Int64], force: Bool
    ) async throws -> [String: QuotaUsage] {
        try policy.enforce("os_compute_api:os-quota-sets:update", auth, target: Self.target(projectID))
        let result = try await write { q in
            let current = try await usage(q, projectID: projectID, userID: userID, keypairUser: userID ?? auth.userID)
            for (resource, limit) in limits.sorted(by: { $0.key < $1.key }) {
                let inUse = current[resource]?.inUse ?? 0
                if !force, limit != -1, limit < inUse {
                    throw ComputeErrors.badRequest(
                        "Quota limit \(limit) for \(resource) must be greater than or equal to already used and reserved \(inUse).")
                }
                try await q.setQuotaLimit(projectID: projectID, userID: userID, resource: resource, limit: limit)
            }
            return try await usage(q, projectID: projectID, userID: userID, keypairUser: userID ?? auth.userID)
        }
        logger.info("quotas updated", metadata: ["project": "\(projectID)", "user": "\(userID ?? "")"])
        return result
    }

    /// Forgets the project's (or user's) limits: the defaults apply again.
    func deleteQuotas(_ auth: AuthContext, projectID: String, userID: String?) async throws {
        try policy.enforce("os_compute_api:os-quota-sets:delete", auth, target: Self.target(projectID))
        try await write { q in try await q.deleteQuotaLimits(projectID: projectID, userID: userID) }
    }

    /// The limits of the `default` class (what a project without its own has).
    func defaultQuotas(_ auth: AuthContext, projectID: String) async throws -> [String: Int64] {
        try policy.enforce("os_compute_api:os-quota-sets:defaults", auth, target: Self.target(projectID))
        return try await read { q in try await classLimits(q) }
    }

    private func classLimits(_ q: ComputeQueries) async throws -> [String: Int64] {
        settings.quotaDefaults.merging(try await q.quotaClassLimits("default")) { $1 }
    }

    /// A quota class's limits; only `default` is applied to projects, others are stored.
    func quotaClass(_ auth: AuthContext, name: String) async throws -> [String: Int64] {
        try policy.enforce("os_compute_api:os-quota-class-sets:show", auth)
        return try await read { q in
            name == "default" ? try await classLimits(q) : settings.quotaDefaults.merging(try await q.quotaClassLimits(name)) { $1 }
        }
    }

    func updateQuotaClass(_ auth: AuthContext, name: String, limits: [String: Int64]) async throws -> [String: Int64] {
        try policy.enforce("os_compute_api:os-quota-class-sets:update", auth)
        return try await write { q in
            for (resource, limit) in limits.sorted(by: { $0.key < $1.key }) {
                try await q.setQuotaClassLimit(name, resource: resource, limit: limit)
            }
            return settings.quotaDefaults.merging(try await q.quotaClassLimits(name)) { $1 }
        }
    }

    /// `/limits`: the caller's project's (or, for an admin, `tenant_id`'s) limits and usage.
    func limits(_ auth: AuthContext, projectID requested: String?) async throws -> [String: QuotaUsage] {
        let own = auth.projectID ?? ""
        try policy.enforce("os_compute_api:limits", auth)
        if let requested, requested != own {
            try policy.enforce("os_compute_api:limits:other_project", auth, target: Self.target(requested))
        }
        let projectID = requested ?? own
        return try await read { q in try await usage(q, projectID: projectID, userID: nil, keypairUser: auth.userID) }
    }
}
