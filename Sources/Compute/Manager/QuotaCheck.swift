import HTTPTypes
import StratusKit

/// Nova's counting quotas: the limit of a resource is the user's own, else the project's,
/// else the `default` class's, else the configured default (-1 is unlimited); usage is
/// counted from the tables. Run the checks inside the write transaction that creates the
/// resources, so two concurrent requests cannot both pass on the same headroom.
struct QuotaCheck: Sendable {
    let settings: ComputeSettings

    /// The limits in force for a project (or one of its users), every resource present.
    func limits(_ q: ComputeQueries, projectID: String, userID: String? = nil) async throws -> [String: Int64] {
        var limits = settings.quotaDefaults
        limits.merge(try await q.quotaClassLimits("default")) { $1 }
        limits.merge(try await q.quotaLimits(projectID: projectID, userID: nil)) { $1 }
        if let userID { limits.merge(try await q.quotaLimits(projectID: projectID, userID: userID)) { $1 } }
        return limits
    }

    /// Throws Nova's 403 when `instances` more servers of `cores` vCPUs and `ram` MB in all
    /// would take the project (or the user, when the user has limits of their own) past a
    /// limit, in Nova's words: "Quota exceeded for instances: Requested 1, but already used
    /// 3 of 3 instances" (several resources over: each list joined with ", "); and when
    /// `metadataItems` passes `metadata_items`.
    func checkServers(
        _ q: ComputeQueries, projectID: String, userID: String, instances: Int64, cores: Int64, ram: Int64,
        metadataItems: Int64 = 0
    ) async throws {
        let projectLimits = try await limits(q, projectID: projectID)
        let metadataLimit = projectLimits["metadata_items"] ?? -1
        if metadataLimit >= 0, metadataItems > metadataLimit {
            throw APIError(.forbidden, "Quota exceeded for metadata_items: Maximum number of metadata items exceeds \(metadataLimit)")
        }
        let requested = ["instances": instances, "cores": cores, "ram": ram]
        try Self.refuseOvers(requested, limits: projectLimits, usage: try await q.instanceUsage(projectID: projectID))
        let userLimits = try await q.quotaLimits(projectID: projectID, userID: userID)
        if requested.keys.contains(where: { userLimits[$0] != nil }) {
            try Self.refuseOvers(
                requested, limits: try await limits(q, projectID: projectID, userID: userID),
                usage: try await q.instanceUsage(projectID: projectID, userID: userID))
        }
    }

    private static func refuseOvers(_ requested: [String: Int64], limits: [String: Int64], usage: InstanceUsage) throws {
        let used = ["instances": usage.instances, "cores": usage.cores, "ram": usage.ram]
        let overs = requested.keys.sorted().filter { resource in
            let limit = limits[resource] ?? -1
            return limit >= 0 && (used[resource] ?? 0) + (requested[resource] ?? 0) > limit
        }
        guard !overs.isEmpty else { return }
        func list(_ values: [String: Int64]) -> String { overs.map { String(values[$0] ?? 0) }.joined(separator: ", ") }
        let names = overs.joined(separator: ", ")
        throw APIError(
            .forbidden,
            "Quota exceeded for \(names): Requested \(list(requested)), but already used \(list(used)) of \(list(limits)) \(names)")
    }

    /// 403 when the user has as many keypairs as `key_pairs` allows.
    func checkKeypair(_ q: ComputeQueries, projectID: String?, userID: String) async throws {
        let limit = try await limits(q, projectID: projectID ?? "", userID: userID)["key_pairs"] ?? -1
        if limit >= 0, try await q.keypairCount(userID: userID) + 1 > limit {
            throw APIError(.forbidden, "Quota exceeded, too many key pairs.")
        }
    }

    /// 403 when the project has as many server groups as `server_groups` allows.
    func checkServerGroup(_ q: ComputeQueries, projectID: String, userID: String) async throws {
        let limit = try await limits(q, projectID: projectID, userID: userID)["server_groups"] ?? -1
        if limit >= 0, try await q.serverGroupCount(projectID: projectID) + 1 > limit {
            throw APIError(.forbidden, "Quota exceeded, too many server groups.")
        }
    }

    /// 403 when `adding` more members would take a group past `server_group_members`.
    func checkServerGroupMembers(_ q: ComputeQueries, group: ServerGroupRecord, adding: Int64) async throws {
        let limit = try await limits(q, projectID: group.projectID, userID: group.userID)["server_group_members"] ?? -1
        if limit >= 0, Int64(group.members.count) + adding > limit {
            throw APIError(.forbidden, "Quota exceeded, too many servers in group")
        }
    }
}

extension ComputeManager {
    /// The quota checks, for the server create path and the resources created here.
    var quotaCheck: QuotaCheck { QuotaCheck(settings: settings) }
}
