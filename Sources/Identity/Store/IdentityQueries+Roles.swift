import SQLKit
import StratusKit

extension IdentityQueries {
    static func role(_ row: any SQLRow) throws -> RoleRecord {
        let domainID = try row.string("domain_id")
        return RoleRecord(
            id: try row.string("id"), name: try row.string("name"), domainID: domainID.isEmpty ? nil : domainID,
            description: try row.optionalString("description"), extra: try row.extra())
    }

    func role(id: String) async throws -> RoleRecord? {
        try await sql.select().columns("*").from("roles").where("id", .equal, id).first().map(Self.role)
    }

    func allRoles() async throws -> [RoleRecord] {
        try await sql.select().columns("*").from("roles").orderBy("name").all().map(Self.role)
    }

    func insert(_ role: RoleRecord) async throws {
        try await sql.insert(into: "roles").columns("id", "name", "domain_id", "description", "extra")
            .values(
                SQLBind(role.id), SQLBind(role.name), SQLBind(role.domainID ?? ""), SQLBind(role.description),
                SQLBind(role.extra.jsonText)
            ).run()
    }

    func update(_ role: RoleRecord) async throws {
        try await sql.update("roles").set("name", to: role.name).set("description", to: role.description)
            .set("extra", to: role.extra.jsonText).where("id", .equal, role.id).run()
    }

    func deleteRole(id: String) async throws {
        try await delete(from: "roles", where: "id", id)
        try await delete(from: "assignments", where: "role_id", id)
        try await delete(from: "implied_roles", where: "prior_role_id", id)
        try await delete(from: "implied_roles", where: "implied_role_id", id)
        try await delete(from: "application_credential_roles", where: "role_id", id)
    }

    /// Every (prior, implied) pair.
    func implications() async throws -> [(prior: String, implied: String)] {
        try await sql.select().columns("prior_role_id", "implied_role_id").from("implied_roles").all().map {
            (prior: try $0.string("prior_role_id"), implied: try $0.string("implied_role_id"))
        }
    }

    func insertImplication(prior: String, implied: String) async throws {
        try await sql.insert(into: "implied_roles").columns("prior_role_id", "implied_role_id")
            .values(SQLBind(prior), SQLBind(implied)).run()
    }

    func deleteImplication(prior: String, implied: String) async throws {
        try await sql.delete(from: "implied_roles").where("prior_role_id", .equal, prior)
            .where("implied_role_id", .equal, implied).run()
    }

    static func assignment(_ row: any SQLRow) throws -> AssignmentRecord? {
        guard let type = AssignmentType(rawValue: try row.string("type")) else { return nil }
        return AssignmentRecord(
            type: type, actorID: try row.string("actor_id"), targetID: try row.string("target_id"),
            roleID: try row.string("role_id"), inherited: try row.bool("inherited"))
    }

    /// Assignments held by any of `actorIDs` on any of `targetIDs` (nil means any).
    func assignments(actorIDs: [String]? = nil, targetIDs: [String]? = nil, roleID: String? = nil) async throws
        -> [AssignmentRecord]
    {
        if actorIDs?.isEmpty == true || targetIDs?.isEmpty == true { return [] }
        var query = sql.select().columns("*").from("assignments")
        if let actorIDs { query = query.where("actor_id", .in, actorIDs) }
        if let targetIDs { query = query.where("target_id", .in, targetIDs) }
        if let roleID { query = query.where("role_id", .equal, roleID) }
        return try await query.all().compactMap(Self.assignment)
    }

    func hasAssignment(_ assignment: AssignmentRecord) async throws -> Bool {
        try await sql.select().column("role_id").from("assignments")
            .where("type", .equal, assignment.type.rawValue).where("actor_id", .equal, assignment.actorID)
            .where("target_id", .equal, assignment.targetID).where("role_id", .equal, assignment.roleID)
            .where("inherited", .equal, assignment.inherited).first() != nil
    }

    func insert(_ assignment: AssignmentRecord) async throws {
        guard try await !hasAssignment(assignment) else { return }
        try await sql.insert(into: "assignments").columns("type", "actor_id", "target_id", "role_id", "inherited")
            .values(
                SQLBind(assignment.type.rawValue), SQLBind(assignment.actorID), SQLBind(assignment.targetID),
                SQLBind(assignment.roleID), SQLBind(assignment.inherited)
            ).run()
    }

    func delete(_ assignment: AssignmentRecord) async throws {
        try await sql.delete(from: "assignments")
            .where("type", .equal, assignment.type.rawValue).where("actor_id", .equal, assignment.actorID)
            .where("target_id", .equal, assignment.targetID).where("role_id", .equal, assignment.roleID)
            .where("inherited", .equal, assignment.inherited).run()
    }
}
