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
    /// would take the project past a limit ("Quota exceeded for instances: Requested 1, but
    /// already used 3 of 3 instances"), or when `metadataItems` passes `metadata_items`.
    func checkServers(
        _ q: ComputeQueries, projectID: String, userID: String, instances: Int64, cores: Int64, ram: Int64,
        metadataItems: Int64 = 0
    ) async throws {
        let limits = try await self.limits(q, projectID: projectID, userID: userID)
        let metadataLimit = limits["metadata_items"] ?? -1
        if metadataLimit >= 0, metadataItems > metadataLimit {
            throw APIError(.forbidden, "Quota exceeded for metadata_items: Maximum number of metadata items exceeds \(metadataLimit)")
        }
        let usage = try await q.instanceUsage(projectID: projectID)
        let checks: [(resource: String, requested: Int64, used: Int64)] = [
            ("instances", instances, usage.instances), ("cores", cores, usage.cores), ("ram", ram, usage.ram),
        ]
        let overs = checks.filter { check in
            let limit = limits[check.resource] ?? -1
            return limit >= 0 && check.used + check.requested > limit
        }
        guard let first = overs.first else { return }
        let names = overs.map(\.resource).joined(separator: ", ")
        let allowed = limits[first.resource] ?? -1
        throw APIError(
            .forbidden,
            "Quota exceeded for \(names): Requested \(first.requested), but already used \(first.used) of \(allowed) \(names)")
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
