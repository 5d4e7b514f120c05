import SQLKit
import StratusKit

extension NetworkQueries {
    /// The limits set for a project (resources not listed use the defaults).
    func quotaOverrides(projectID: String) async throws -> [String: Int64] {
        var result: [String: Int64] = [:]
        for row in try await sql.select().columns("resource", "hard_limit").from("quotas")
            .where("project_id", .equal, projectID).all()
        {
            result[try row.string("resource")] = try row.optionalInt64("hard_limit")
        }
        return result
    }

    /// Projects with limits of their own.
    func projectsWithQuotas() async throws -> [String] {
        try await sql.select().distinct().column("project_id").from("quotas").orderBy("project_id").all()
            .map { try $0.string("project_id") }
    }

    func setQuota(projectID: String, resource: String, limit: Int64) async throws {
        try await sql.delete(from: "quotas").where("project_id", .equal, projectID).where("resource", .equal, resource).run()
        try await sql.insert(into: "quotas").columns("project_id", "resource", "hard_limit")
            .values(SQLBind(projectID), SQLBind(resource), SQLBind(limit)).run()
    }

    func deleteQuotas(projectID: String) async throws {
        try await sql.delete(from: "quotas").where("project_id", .equal, projectID).run()
    }

    /// How many of a quota resource a project holds (its own service ports are not counted).
    func usage(_ resource: String, projectID: String) async throws -> Int64 {
        let table: String
        switch resource {
        case "network": table = "networks"
        case "subnet": table = "subnets"
        case "port": table = "ports"
        case "router": table = "routers"
        case "floatingip": table = "floating_ips"
        case "security_group": table = "security_groups"
        case "security_group_rule": table = "security_group_rules"
        default: return 0
        }
        var query = sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(table)
            .where("project_id", .equal, projectID)
        if resource == "port" {
            query = query.where("device_owner", .notIn, ["network:router_interface", "network:router_gateway", "network:floatingip"])
        }
        return try await query.first()?.decode(column: "n", as: Int64.self) ?? 0
    }
}
