import SQLKit
import StratusKit

/// What the scheduler reads besides service records and compute nodes: the sizes of the
/// live servers on each host, counted before the agents' next report.
extension ComputeQueries {
    /// Whether the `nova-compute` service of `host` is up (heartbeat within `downTime` seconds).
    func isServiceUp(host: String, downTime: Int64) async throws -> Bool {
        guard let service = try await service(host: host, binary: "nova-compute") else { return false }
        return ServiceLiveness(downTime: downTime).isUp(service)
    }

    /// Sizes of the live servers on each host: what the scheduler counts as used before
    /// the agents' next report.
    func instanceLoadByHost() async throws -> [String: (count: Int, vcpus: Int, memoryMB: Int, diskGB: Int)] {
        var result: [String: (count: Int, vcpus: Int, memoryMB: Int, diskGB: Int)] = [:]
        for row in try await sql.select().columns("host", "vcpus", "memory_mb", "root_gb", "ephemeral_gb").from("instances")
            .where("deleted", .equal, false).where("host", .isNot, SQLLiteral.null).all()
        {
            let host = try row.string("host")
            var load = result[host] ?? (0, 0, 0, 0)
            load.count += 1
            load.vcpus += try row.int("vcpus")
            load.memoryMB += try row.int("memory_mb")
            load.diskGB += try row.int("root_gb") + row.int("ephemeral_gb")
            result[host] = load
        }
        return result
    }
}
