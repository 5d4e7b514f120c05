import StratusKit

/// Per-project limits (Glance's unified-limit names, set in the config for every project):
/// image count on create; stored and staged bytes before data is accepted (the size of a
/// transfer in progress is bounded by what remains) and again when it is recorded, so that
/// concurrent uploads cannot together pass the limit.
extension ImageManager {
    enum StorageQuota: Sendable {
        /// `image_size_total`: bytes of a project's stored images.
        case stored
        /// `image_stage_total`: bytes a project holds in the import staging area.
        case staged

        var resource: String { self == .stored ? "image_size_total" : "image_stage_total" }
    }

    func limitMiB(_ quota: StorageQuota) -> Int64 {
        quota == .stored ? settings.quotaImageSizeTotalMiB : settings.quotaImageStageTotalMiB
    }

    static func overLimit(owner: String, resource: String, limit: Int64, usage: Int64, delta: Int64) -> APIError {
        APIError(
            .contentTooLarge,
            "Project \(owner) is over a limit for [Resource \(resource) is over limit of \(limit) due to current usage \(usage) and delta \(delta)]"
        )
    }

    func checkImageCount(owner: String, in q: ImageQueries) async throws {
        guard settings.quotaImageCountTotal >= 0 else { return }
        let usage = try await q.usage(owner: owner)
        if usage.imageCount >= settings.quotaImageCountTotal {
            throw Self.overLimit(
                owner: owner, resource: "image_count_total", limit: settings.quotaImageCountTotal, usage: usage.imageCount,
                delta: 1)
        }
    }

    /// How many bytes the owner may still add (at most the size cap); 413 when none.
    func remaining(_ quota: StorageQuota, owner: String?) async throws -> Int64 {
        let limit = limitMiB(quota)
        guard limit >= 0, let owner else { return settings.imageSizeCap }
        let usage = try await read { q in try await q.usage(owner: owner) }
        let used = quota == .stored ? usage.totalSize : usage.stagedSize
        if used >= limit << 20 {
            throw Self.overLimit(owner: owner, resource: quota.resource, limit: limit, usage: used >> 20, delta: 0)
        }
        return min(settings.imageSizeCap, (limit << 20) - used)
    }

    /// Refuses to record `bytes` more for the image when, with everything else the owner
    /// holds now, they pass the limit.
    func checkAtCommit(_ quota: StorageQuota, owner: String?, imageID: String, bytes: Int64, in q: ImageQueries)
        async throws
    {
        let limit = limitMiB(quota)
        guard limit >= 0, let owner else { return }
        try await q.lockQuota(owner: owner)
        let usage = try await q.usage(owner: owner, excluding: imageID)
        let used = quota == .stored ? usage.totalSize : usage.stagedSize
        if used + bytes > limit << 20 {
            throw Self.overLimit(owner: owner, resource: quota.resource, limit: limit, usage: used >> 20, delta: bytes >> 20)
        }
    }

    /// `/v2/info/usage`: the caller's project's limits and usage, sizes in MiB.
    func usageBody(auth: AuthContext) async throws -> JSONValue {
        guard let project = auth.projectID else { throw APIError.forbidden("The Image API requires a project-scoped token.") }
        let usage = try await read { q in try await q.usage(owner: project) }
        func entry(_ limit: Int64, _ used: Int64) -> JSONValue { ["limit": .int(limit), "usage": .int(used)] }
        return [
            "image_count_total": entry(settings.quotaImageCountTotal, usage.imageCount),
            "image_size_total": entry(settings.quotaImageSizeTotalMiB, usage.totalSize >> 20),
            "image_stage_total": entry(settings.quotaImageStageTotalMiB, usage.stagedSize >> 20),
        ]
    }
}
