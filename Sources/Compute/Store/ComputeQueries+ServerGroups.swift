import SQLKit
import StratusKit

/// A server group: a scheduling policy (`affinity`, `anti-affinity`, `soft-affinity`,
/// `soft-anti-affinity`) over its member instances; `maxServerPerHost` is the 2.64 rule of
/// anti-affinity.
struct ServerGroupRecord: Sendable, Equatable {
    var id: Int64
    var uuid: String
    var name: String
    var projectID: String
    var userID: String
    var policy: String
    var maxServerPerHost: Int64?
    var createdAt: Timestamp
    var members: [String] = []
}

extension ComputeQueries {
    private static let groupColumns = ["id", "uuid", "name", "project_id", "user_id", "policy", "rules_json", "created_at"]

    private static func group(_ row: any SQLRow) throws -> ServerGroupRecord {
        let rules = try JSONValue.parse(bytes: Array(try row.string("rules_json").utf8))
        return ServerGroupRecord(
            id: try row.decode(column: "id", as: Int64.self), uuid: try row.string("uuid"), name: try row.string("name"),
            projectID: try row.string("project_id"), userID: try row.string("user_id"), policy: try row.string("policy"),
            maxServerPerHost: rules["max_server_per_host"]?.intValue,
            createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0))
    }

    /// Server groups with their members, all or one project's, in order of creation.
    func serverGroups(projectID: String?) async throws -> [ServerGroupRecord] {
        var query = sql.select().columns(Self.groupColumns).from("instance_groups")
        if let projectID { query = query.where("project_id", .equal, projectID) }
        var groups = try await query.orderBy("id").all().map(Self.group)
        guard !groups.isEmpty else { return [] }
        var members: [String: [String]] = [:]
        for row in try await sql.select().columns("group_uuid", "instance_uuid").from("instance_group_members")
            .where("group_uuid", .in, groups.map(\.uuid)).orderBy("instance_uuid").all()
        {
            members[try row.string("group_uuid"), default: []].append(try row.string("instance_uuid"))
        }
        for index in groups.indices { groups[index].members = members[groups[index].uuid] ?? [] }
        return groups
    }

    /// A server group with its members.
    func serverGroup(uuid: String) async throws -> ServerGroupRecord? {
        guard var group = try await sql.select().columns(Self.groupColumns).from("instance_groups")
            .where("uuid", .equal, uuid).first().map(Self.group)
        else { return nil }
        group.members = try await sql.select().column("instance_uuid").from("instance_group_members")
            .where("group_uuid", .equal, uuid).orderBy("instance_uuid").all().map { try $0.string("instance_uuid") }
        return group
    }

    /// The group an instance is a member of, if any (an instance joins at most one).
    func serverGroupForInstance(_ instanceUUID: String) async throws -> ServerGroupRecord? {
        guard let row = try await sql.select().column("group_uuid").from("instance_group_members")
            .where("instance_uuid", .equal, instanceUUID).first()
        else { return nil }
        return try await serverGroup(uuid: try row.string("group_uuid"))
    }

    /// The hosts of a group's live members that have one, with how many members each runs:
    /// what the affinity filters weigh.
    func serverGroupMemberHosts(groupUUID: String) async throws -> [String: Int] {
        let rows = try await sql.select().column(SQLColumn("host", table: "instances")).from("instance_group_members")
            .join("instances", on: SQLColumn("uuid", table: "instances"), .equal, SQLColumn("instance_uuid", table: "instance_group_members"))
            .where(SQLColumn("group_uuid", table: "instance_group_members"), .equal, SQLBind(groupUUID))
            .where(SQLColumn("deleted", table: "instances"), .equal, SQLBind(false))
            .where(SQLColumn("host", table: "instances"), .isNot, SQLLiteral.null).all()
        var counts: [String: Int] = [:]
        for row in rows { counts[try row.string("host"), default: 0] += 1 }
        return counts
    }

    func insertServerGroup(_ group: ServerGroupRecord) async throws {
        var rules: [String: JSONValue] = [:]
        if let max = group.maxServerPerHost { rules["max_server_per_host"] = .int(max) }
        try await sql.insert(into: "instance_groups").columns(Self.groupColumns).values(
            SQLBind(group.id), SQLBind(group.uuid), SQLBind(group.name), SQLBind(group.projectID), SQLBind(group.userID),
            SQLBind(group.policy), SQLBind(JSONValue.object(rules).jsonText()), SQLBind(group.createdAt.microseconds)
        ).run()
    }

    func nextServerGroupID() async throws -> Int64 { try await nextID("instance_groups") }

    /// Makes an instance a member of a group (the conductor calls this when it places a
    /// server booted with the `group` scheduler hint).
    func addServerGroupMember(groupUUID: String, instanceUUID: String) async throws {
        try await sql.delete(from: "instance_group_members").where("group_uuid", .equal, groupUUID)
            .where("instance_uuid", .equal, instanceUUID).run()
        try await sql.insert(into: "instance_group_members").columns("group_uuid", "instance_uuid")
            .values(SQLBind(groupUUID), SQLBind(instanceUUID)).run()
    }

    /// Removes an instance from whichever group holds it (on server delete).
    func removeServerGroupMember(instanceUUID: String) async throws {
        try await sql.delete(from: "instance_group_members").where("instance_uuid", .equal, instanceUUID).run()
    }

    func deleteServerGroup(uuid: String) async throws {
        try await sql.delete(from: "instance_group_members").where("group_uuid", .equal, uuid).run()
        try await sql.delete(from: "instance_groups").where("uuid", .equal, uuid).run()
    }

    /// How many groups a project owns.
    func serverGroupCount(projectID: String) async throws -> Int64 {
        Int64(try await sql.select().column("id").from("instance_groups").where("project_id", .equal, projectID).all().count)
    }
}
