import StratusKit

/// One instance's share of a usage period.
struct ServerUsage: Sendable {
    var instance: UsageInstanceRecord
    /// The overlap of the instance's life with the period, in seconds.
    var seconds: Double
    var endedAt: Timestamp?
    var state: String
    var uptime: Int64

    var hours: Double { seconds / 3600 }
    var localGB: Int64 { instance.rootGB + instance.ephemeralGB }
}

/// `os-simple-tenant-usage`: hours of vCPUs, RAM and disk each instance ran in a period,
/// from its `launched_at` and `terminated_at`.
extension ComputeManager {
    func usage(
        _ auth: AuthContext, projectID: String?, from start: Timestamp, to end: Timestamp, page: ListPage
    ) async throws -> [ServerUsage] {
        if let projectID {
            try policy.enforce("os_compute_api:os-simple-tenant-usage:show", auth, target: ["project_id": .string(projectID)])
        } else {
            try policy.enforce("os_compute_api:os-simple-tenant-usage:list", auth)
        }
        guard start <= end else {
            throw ComputeErrors.badRequest("Invalid start time. The start time cannot occur after the end time.")
        }
        let instances = try await read { q in try await q.instancesActive(from: start, to: end, projectID: projectID) }
        let paged = try page.apply(
            instances, key: \.uuid, markerMissing: ComputeErrors.badRequest("Marker \(page.marker ?? "") could not be found."))
        let now = Timestamp.now()
        return paged.map { instance in
            let begin = max(instance.launchedAt, start)
            let stop = min(instance.terminatedAt ?? end, end)
            let seconds = max(0, Double(stop.microseconds - begin.microseconds) / 1_000_000)
            let ended = instance.terminatedAt.flatMap { $0 <= end ? $0 : nil }
            let uptime = ((ended ?? now).microseconds - instance.launchedAt.microseconds) / 1_000_000
            return ServerUsage(
                instance: instance, seconds: seconds, endedAt: ended, state: ended != nil ? "terminated" : instance.vmState,
                uptime: max(0, uptime))
        }
    }
}
