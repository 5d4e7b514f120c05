import SQLKit
import StratusKit

extension NetworkQueries {
    static func securityGroup(_ row: any SQLRow) throws -> SecurityGroupRecord {
        SecurityGroupRecord(
            id: try row.string("id"), projectID: try row.string("project_id"), name: try row.string("name"),
            stateful: try row.bool("stateful"), standard: try standard(row))
    }

    static func securityGroupRule(_ row: any SQLRow) throws -> SecurityGroupRuleRecord {
        SecurityGroupRuleRecord(
            id: try row.string("id"), securityGroupID: try row.string("security_group_id"),
            projectID: try row.string("project_id"), direction: try row.string("direction"),
            ethertype: try row.string("ethertype"), proto: try row.optionalString("protocol"),
            portRangeMin: try row.optionalInt64("port_range_min"), portRangeMax: try row.optionalInt64("port_range_max"),
            remoteIPPrefix: try row.optionalString("remote_ip_prefix"), remoteGroupID: try row.optionalString("remote_group_id"),
            standard: try standard(row), remoteAddressGroupID: try row.optionalString("remote_address_group_id"))
    }

    /// Security groups (of one project, or all) with their rules and tags.
    func securityGroups(projectID: String? = nil, ids: [String]? = nil) async throws -> [SecurityGroupRecord] {
        var query = sql.select().columns("*").from("security_groups")
        if let projectID { query = query.where("project_id", .equal, projectID) }
        if let ids {
            guard !ids.isEmpty else { return [] }
            query = query.where("id", .in, ids)
        }
        var groups = try await query.orderBy("id").all().map { try Self.securityGroup($0) }
        guard !groups.isEmpty else { return [] }
        var rules: [String: [SecurityGroupRuleRecord]] = [:]
        for rule in try await securityGroupRules(groupIDs: groups.map(\.id)) {
            rules[rule.securityGroupID, default: []].append(rule)
        }
        let tags = try await tags(of: groups.map(\.id))
        for index in groups.indices {
            groups[index].rules = rules[groups[index].id] ?? []
            groups[index].standard.tags = tags[groups[index].id] ?? []
        }
        return groups
    }

    func hasSecurityGroup(projectID: String, name: String) async throws -> Bool {
        try await sql.select().column("id").from("security_groups").where("project_id", .equal, projectID)
            .where("name", .equal, name).first() != nil
    }

    func securityGroupRules(groupIDs: [String]? = nil, ids: [String]? = nil) async throws -> [SecurityGroupRuleRecord] {
        var query = sql.select().columns("*").from("security_group_rules")
        if let groupIDs {
            guard !groupIDs.isEmpty else { return [] }
            query = query.where("security_group_id", .in, groupIDs)
        }
        if let ids {
            guard !ids.isEmpty else { return [] }
            query = query.where("id", .in, ids)
        }
        return try await query.orderBy("created_at").orderBy("id").all().map { try Self.securityGroupRule($0) }
    }

    func save(_ group: SecurityGroupRecord, exists: Bool) async throws {
        let columns: [(String, any SQLExpression)] =
            [
                ("id", SQLBind(group.id)), ("project_id", SQLBind(group.projectID)), ("name", SQLBind(group.name)),
                ("stateful", SQLBind(group.stateful)),
            ] + Self.standardValues(group.standard)
        try await upsert("security_groups", id: group.id, columns, exists: exists)
        try await setTags(group.id, group.standard.tags)
    }

    func insert(_ rule: SecurityGroupRuleRecord) async throws {
        let columns: [(String, any SQLExpression)] =
            [
                ("id", SQLBind(rule.id)), ("security_group_id", SQLBind(rule.securityGroupID)),
                ("project_id", SQLBind(rule.projectID)), ("direction", SQLBind(rule.direction)),
                ("ethertype", SQLBind(rule.ethertype)), ("protocol", SQLBind(rule.proto)),
                ("port_range_min", SQLBind(rule.portRangeMin)), ("port_range_max", SQLBind(rule.portRangeMax)),
                ("remote_ip_prefix", SQLBind(rule.remoteIPPrefix)), ("remote_group_id", SQLBind(rule.remoteGroupID)),
                ("remote_address_group_id", SQLBind(rule.remoteAddressGroupID)),
            ] + Self.standardValues(rule.standard)
        try await upsert("security_group_rules", id: rule.id, columns, exists: false)
    }

    func deleteSecurityGroup(_ id: String) async throws {
        try await sql.delete(from: "security_group_rules").where("security_group_id", .equal, id).run()
        try await delete("security_groups", id: id)
    }

    /// Security groups of many ports in one query.
    func portSecurityGroups(portIDs: [String]) async throws -> [String: [String]] {
        guard !portIDs.isEmpty else { return [:] }
        var result: [String: [String]] = [:]
        for row in try await sql.select().columns("port_id", "security_group_id").from("port_security_groups")
            .where("port_id", .in, portIDs).orderBy("security_group_id").all()
        {
            result[try row.string("port_id"), default: []].append(try row.string("security_group_id"))
        }
        return result
    }

    func setPortSecurityGroups(portID: String, _ groups: [String]) async throws {
        try await sql.delete(from: "port_security_groups").where("port_id", .equal, portID).run()
        for group in Set(groups).sorted() {
            try await sql.insert(into: "port_security_groups").columns("port_id", "security_group_id")
                .values(SQLBind(portID), SQLBind(group)).run()
        }
    }

    func portsUsing(securityGroupID: String) async throws -> Int {
        try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("port_security_groups")
            .where("security_group_id", .equal, securityGroupID).first()?.decode(column: "n", as: Int.self) ?? 0
    }
}
