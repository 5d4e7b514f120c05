import SQLKit
import StratusKit

/// An instance as usage reports see it: what it is sized at and when it ran.
struct UsageInstanceRecord: Sendable, Equatable {
    var uuid: String
    var name: String
    var projectID: String
    var flavorName: String
    var vcpus: Int64
    var memoryMB: Int64
    var rootGB: Int64
    var ephemeralGB: Int64
    var vmState: String
    var launchedAt: Timestamp
    var terminatedAt: Timestamp?
}

extension ComputeQueries {
    /// The instances (deleted ones too) that ran during [start, end): launched before the
    /// end and not terminated before the start; of one project or all, by uuid.
    func instancesActive(from start: Timestamp, to end: Timestamp, projectID: String?) async throws -> [UsageInstanceRecord] {
        var query = sql.select()
            .columns(
                "uuid", "display_name", "project_id", "flavor_json", "vcpus", "memory_mb", "root_gb", "ephemeral_gb", "vm_state",
                "launched_at", "terminated_at"
            )
            .from("instances").where(SQLColumn("launched_at"), .isNot, SQLLiteral.null)
            .where("launched_at", .lessThan, end.microseconds)
            .where(group: { group in
                group.where(SQLColumn("terminated_at"), .is, SQLLiteral.null)
                    .orWhere("terminated_at", .greaterThan, start.microseconds)
            })
        if let projectID { query = query.where("project_id", .equal, projectID) }
        return try await query.orderBy("uuid").all().map { row in
            let flavor = try? JSONValue.parse(bytes: Array(try row.string("flavor_json").utf8))
            return UsageInstanceRecord(
                uuid: try row.string("uuid"), name: try row.string("display_name"), projectID: try row.string("project_id"),
                flavorName: flavor?["name"]?.stringValue ?? "", vcpus: try row.decode(column: "vcpus", as: Int64.self),
                memoryMB: try row.decode(column: "memory_mb", as: Int64.self),
                rootGB: try row.decode(column: "root_gb", as: Int64.self),
                ephemeralGB: try row.decode(column: "ephemeral_gb", as: Int64.self), vmState: try row.string("vm_state"),
                launchedAt: try row.timestamp("launched_at") ?? Timestamp(microseconds: 0),
                terminatedAt: try row.timestamp("terminated_at"))
        }
    }
}
