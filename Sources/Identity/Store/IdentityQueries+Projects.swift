import SQLKit
import StratusKit

extension IdentityQueries {
    static func project(_ row: any SQLRow) throws -> ProjectRecord {
        ProjectRecord(
            id: try row.string("id"), name: try row.string("name"), domainID: try row.string("domain_id"),
            parentID: try row.optionalString("parent_id"), enabled: try row.bool("enabled"),
            description: try row.optionalString("description"), extra: try row.extra())
    }

    func project(id: String) async throws -> ProjectRecord? {
        guard var project = try await sql.select().columns("*").from("projects").where("id", .equal, id).first()
            .map(Self.project)
        else { return nil }
        project.tags = try await tags(projectIDs: [id])[id] ?? []
        return project
    }

    func project(name: String, domainID: String) async throws -> ProjectRecord? {
        guard let row = try await sql.select().column("id").from("projects")
            .where("name", .equal, name).where("domain_id", .equal, domainID).first()
        else { return nil }
        return try await project(id: try row.string("id"))
    }

    func projects(ids: Set<String>) async throws -> [String: ProjectRecord] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await sql.select().columns("*").from("projects").where("id", .in, Array(ids)).all()
        return Dictionary(try rows.map(Self.project).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    struct ProjectFilter: Sendable {
        var name: String?
        var domainID: String?
        var parentID: String?
        var enabled: Bool?
        var ids: [String]?
    }

    func listProjects(_ filter: ProjectFilter) async throws -> [ProjectRecord] {
        if let ids = filter.ids, ids.isEmpty { return [] }
        var query = sql.select().columns("*").from("projects")
        if let name = filter.name { query = query.where("name", .equal, name) }
        if let domainID = filter.domainID { query = query.where("domain_id", .equal, domainID) }
        if let parentID = filter.parentID { query = query.where("parent_id", .equal, parentID) }
        if let enabled = filter.enabled { query = query.where("enabled", .equal, enabled) }
        if let ids = filter.ids { query = query.where("id", .in, ids) }
        var projects = try await query.orderBy("name").all().map(Self.project)
        let tags = try await tags(projectIDs: projects.map(\.id))
        for index in projects.indices { projects[index].tags = tags[projects[index].id] ?? [] }
        return projects
    }

    /// Tags of many projects in one query.
    func tags(projectIDs: [String]) async throws -> [String: [String]] {
        guard !projectIDs.isEmpty else { return [:] }
        let rows = try await sql.select().columns("project_id", "tag").from("project_tags")
            .where("project_id", .in, projectIDs).orderBy("tag").all()
        var result: [String: [String]] = [:]
        for row in rows { result[try row.string("project_id"), default: []].append(try row.string("tag")) }
        return result
    }

    func setTags(projectID: String, _ tags: [String]) async throws {
        try await delete(from: "project_tags", where: "project_id", projectID)
        for tag in Set(tags) {
            try await sql.insert(into: "project_tags").columns("project_id", "tag")
                .values(SQLBind(projectID), SQLBind(tag)).run()
        }
    }

    func insert(_ project: ProjectRecord) async throws {
        try await sql.insert(into: "projects")
            .columns("id", "name", "domain_id", "parent_id", "enabled", "description", "extra")
            .values(
                SQLBind(project.id), SQLBind(project.name), SQLBind(project.domainID), SQLBind(project.parentID),
                SQLBind(project.enabled), SQLBind(project.description), SQLBind(project.extra.jsonText)
            ).run()
        try await setTags(projectID: project.id, project.tags)
    }

    func update(_ project: ProjectRecord) async throws {
        try await sql.update("projects")
            .set("name", to: project.name).set("enabled", to: project.enabled)
            .set("description", to: project.description).set("extra", to: project.extra.jsonText)
            .where("id", .equal, project.id).run()
        try await setTags(projectID: project.id, project.tags)
    }

    func childProjectCount(of id: String) async throws -> Int {
        try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("projects")
            .where("parent_id", .equal, id).first()?.int("n") ?? 0
    }

    /// All (id, parent_id, domain_id) triples: the hierarchy, for ancestry and subtree walks.
    func projectTree(domainID: String? = nil) async throws -> [(id: String, parentID: String?, domainID: String)] {
        var query = sql.select().columns("id", "parent_id", "domain_id").from("projects")
        if let domainID { query = query.where("domain_id", .equal, domainID) }
        return try await query.all().map {
            (id: try $0.string("id"), parentID: try $0.optionalString("parent_id"), domainID: try $0.string("domain_id"))
        }
    }

    /// The project's ancestors, nearest first.
    func ancestors(of project: ProjectRecord) async throws -> [ProjectRecord] {
        var result: [ProjectRecord] = []
        var next = project.parentID
        while let id = next, result.count < 64, let parent = try await self.project(id: id) {
            result.append(parent)
            next = parent.parentID
        }
        return result
    }

    func deleteProject(id: String) async throws {
        try await delete(from: "projects", where: "id", id)
        try await delete(from: "project_tags", where: "project_id", id)
        try await sql.delete(from: "assignments").where("target_id", .equal, id)
            .where("type", .in, [AssignmentType.userProject.rawValue, AssignmentType.groupProject.rawValue]).run()
        try await sql.update("users").set("default_project_id", to: SQLLiteral.null)
            .where("default_project_id", .equal, id).run()
    }
}
