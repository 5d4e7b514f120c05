import SQLKit
import StratusKit

extension IdentityQueries {
    static func group(_ row: any SQLRow) throws -> GroupRecord {
        GroupRecord(
            id: try row.string("id"), name: try row.string("name"), domainID: try row.string("domain_id"),
            description: try row.optionalString("description"), extra: try row.extra())
    }

    func group(id: String) async throws -> GroupRecord? {
        try await sql.select().columns("*").from("groups").where("id", .equal, id).first().map(Self.group)
    }

    func groups(ids: Set<String>) async throws -> [String: GroupRecord] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await sql.select().columns("*").from("groups").where("id", .in, Array(ids)).all()
        return Dictionary(try rows.map(Self.group).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    func listGroups(name: String?, domainID: String?, memberUserID: String? = nil) async throws -> [GroupRecord] {
        var query = sql.select().columns(SQLColumn(SQLLiteral.all, table: SQLIdentifier("groups"))).from("groups")
        if let memberUserID {
            query = query.join("group_members", on: SQLColumn("group_id", table: "group_members"), .equal,
                SQLColumn("id", table: "groups"))
                .where(SQLColumn("user_id", table: "group_members"), .equal, SQLBind(memberUserID))
        }
        if let name { query = query.where(SQLColumn("name", table: "groups"), .equal, SQLBind(name)) }
        if let domainID { query = query.where(SQLColumn("domain_id", table: "groups"), .equal, SQLBind(domainID)) }
        return try await query.orderBy(SQLColumn("name", table: "groups")).all().map(Self.group)
    }

    func insert(_ group: GroupRecord) async throws {
        try await sql.insert(into: "groups").columns("id", "name", "domain_id", "description", "extra")
            .values(
                SQLBind(group.id), SQLBind(group.name), SQLBind(group.domainID), SQLBind(group.description),
                SQLBind(group.extra.jsonText)
            ).run()
    }

    func update(_ group: GroupRecord) async throws {
        try await sql.update("groups").set("name", to: group.name).set("description", to: group.description)
            .set("extra", to: group.extra.jsonText).where("id", .equal, group.id).run()
    }

    func deleteGroup(id: String) async throws {
        try await delete(from: "groups", where: "id", id)
        try await delete(from: "group_members", where: "group_id", id)
        try await sql.delete(from: "assignments").where("actor_id", .equal, id)
            .where("type", .in, [AssignmentType.groupProject, .groupDomain, .groupSystem].map(\.rawValue)).run()
    }

    func groupIDs(ofUser userID: String) async throws -> [String] {
        try await sql.select().column("group_id").from("group_members").where("user_id", .equal, userID).all()
            .map { try $0.string("group_id") }
    }

    func memberIDs(ofGroups groupIDs: [String]) async throws -> [String: [String]] {
        guard !groupIDs.isEmpty else { return [:] }
        var result: [String: [String]] = [:]
        for row in try await sql.select().columns("group_id", "user_id").from("group_members")
            .where("group_id", .in, groupIDs).all()
        {
            result[try row.string("group_id"), default: []].append(try row.string("user_id"))
        }
        return result
    }

    func isMember(userID: String, groupID: String) async throws -> Bool {
        try await sql.select().column("user_id").from("group_members").where("user_id", .equal, userID)
            .where("group_id", .equal, groupID).first() != nil
    }

    func addMember(userID: String, groupID: String) async throws {
        guard try await !isMember(userID: userID, groupID: groupID) else { return }
        try await sql.insert(into: "group_members").columns("group_id", "user_id")
            .values(SQLBind(groupID), SQLBind(userID)).run()
    }

    func removeMember(userID: String, groupID: String) async throws {
        try await sql.delete(from: "group_members").where("user_id", .equal, userID)
            .where("group_id", .equal, groupID).run()
    }
}
