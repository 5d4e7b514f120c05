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

    /// Sizes of the live servers on each host (one grouped query): what the scheduler counts
    /// as used before the agents' next report.
    func instanceLoadByHost() async throws -> [String: (count: Int, vcpus: Int, memoryMB: Int, diskGB: Int)] {
        // PostgreSQL sums BIGINT columns as NUMERIC: cast back so both databases decode an integer.
        func sum(_ column: String) -> SQLRaw { SQLRaw("CAST(SUM(\(column)) AS BIGINT)") }
        var result: [String: (count: Int, vcpus: Int, memoryMB: Int, diskGB: Int)] = [:]
        for row in try await sql.select().column("host")
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").column(sum("vcpus"), as: "vcpus")
            .column(sum("memory_mb"), as: "memory_mb").column(sum("root_gb"), as: "root_gb")
            .column(sum("ephemeral_gb"), as: "ephemeral_gb").from("instances")
            .where("deleted", .equal, false).where("host", .isNot, SQLLiteral.null).groupBy("host").all()
        {
            result[try row.string("host")] = (
                try row.int("n"), try row.int("vcpus"), try row.int("memory_mb"),
                try row.int("root_gb") + row.int("ephemeral_gb")
            )
        }
        return result
    }
}
