import HTTPTypes
import Hummingbird
import StratusKit

extension IdentityAPI {
    func registerProjects(on router: Router<StratusRequestContext>) {
        router.post("/v3/projects") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try JSONFields.require(try await request.jsonObject(context: context), "project")
            if try fields.bool("is_domain") == true {
                throw APIError.badRequest("Projects acting as domains are not supported; create a domain instead.")
            }
            let project = try await manager.createProject(
                name: try fields.requiredString("name", maxLength: 64), domainID: try fields.string("domain_id"),
                parentID: try fields.string("parent_id"), enabled: try fields.bool("enabled") ?? true,
                description: try fields.string("description", maxLength: 65535), tags: try fields.stringArray("tags") ?? [],
                extra: fields.extra(excluding: Self.projectAttributes), auth: auth)
            return respond(.created, "project", wire.project(project))
        }
        router.get("/v3/projects") { request, context in
            let auth = try context.requireAuth()
            try policy.enforce("identity:list_projects", auth, target: PolicyTargets.callerDomain(auth))
            if try request.boolFilter("is_domain") == true {
                return try list("projects", [], request: request, path: "/projects")
            }
            var filter = IdentityQueries.ProjectFilter(
                name: request.query("name"), domainID: request.query("domain_id"), parentID: request.query("parent_id"),
                enabled: try request.boolFilter("enabled"))
            if let ownDomain = restrictedDomain(auth) {
                if let requested = filter.domainID, requested != ownDomain {
                    return try list("projects", [], request: request, path: "/projects")
                }
                filter.domainID = ownDomain
            }
            let nameFilter = NameFilter(request: request)
            let tagFilter = TagFilter(request: request)
            let projects = try await manager.listProjects(filter)
                .filter { nameFilter.matches($0.name) && tagFilter.matches($0.tags) }
            return try list("projects", projects.map(wire.project), request: request, path: "/projects")
        }
        router.get("/v3/projects/{project_id}") { _, context in
            let auth = try context.requireAuth()
            let id = try context.parameters.require("project_id")
            let project = try await manager.store.read { q in try await manager.requireProject(id, in: q) }
            try policy.enforce("identity:get_project", auth, target: PolicyTargets.project(project))
            return respond("project", wire.project(project))
        }
        router.patch("/v3/projects/{project_id}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let id = try context.parameters.require("project_id")
            let fields = try JSONFields.require(try await request.jsonObject(context: context), "project")
            let newDomainID = try fields.string("domain_id")
            let newParentID = try fields.string("parent_id")
            if try fields.bool("is_domain") == true { throw APIError.badRequest("Update of `is_domain` is not allowed.") }
            let name = try fields.string("name", maxLength: 64)
            let enabled = try fields.bool("enabled")
            let description = try fields.string("description", maxLength: 65535)
            let tags = try fields.stringArray("tags")
            let extra = fields.extra(excluding: Self.projectAttributes)
            let project = try await manager.updateProject(id, auth: auth) { project in
                if let newDomainID, newDomainID != project.domainID {
                    throw APIError.badRequest("Update of `domain_id` is not allowed.")
                }
                if let newParentID, newParentID != (project.parentID ?? project.domainID) {
                    throw APIError.badRequest("Update of `parent_id` is not allowed.")
                }
                if let name { project.name = name }
                if let enabled { project.enabled = enabled }
                if fields.has("description") { project.description = description }
                if let tags { project.tags = tags }
                project.extra.merge(extra) { _, new in new }
            }
            return respond("project", wire.project(project))
        }
        router.delete("/v3/projects/{project_id}") { _, context in
            let auth = try context.requireAuth()
            try await manager.deleteProject(try context.parameters.require("project_id"), auth: auth)
            return JSONResponse.empty()
        }
        registerProjectTags(on: router)
    }

    static let projectAttributes: Set<String> = [
        "id", "name", "domain_id", "parent_id", "enabled", "description", "tags", "is_domain", "links",
    ]

    private func registerProjectTags(on router: Router<StratusRequestContext>) {
        @Sendable func project(_ context: StratusRequestContext, rule: String) async throws -> (AuthContext, ProjectRecord) {
            let auth = try context.requireAuth()
            let id = try context.parameters.require("project_id")
            let project = try await manager.store.read { q in try await manager.requireProject(id, in: q) }
            try policy.enforce(rule, auth, target: PolicyTargets.project(project))
            return (auth, project)
        }
        router.get("/v3/projects/{project_id}/tags") { _, context in
            let (_, found) = try await project(context, rule: "identity:list_project_tags")
            return JSONResponse.make(.ok, ["tags": .array(found.tags.map(JSONValue.string))])
        }
        router.get("/v3/projects/{project_id}/tags/{tag}") { _, context in
            let (_, found) = try await project(context, rule: "identity:get_project_tag")
            let tag = try context.parameters.require("tag")
            guard found.tags.contains(tag) else { throw IdentityErrors.notFound("project tag", tag) }
            return JSONResponse.empty()
        }
        router.put("/v3/projects/{project_id}/tags") { request, context in
            var request = request
            let (auth, found) = try await project(context, rule: "identity:update_project_tags")
            let tags = try JSONFields(try await request.jsonObject(context: context), name: "body").stringArray("tags") ?? []
            let updated = try await manager.updateProject(found.id, auth: auth) { $0.tags = tags }
            return JSONResponse.make(.ok, ["tags": .array(updated.tags.map(JSONValue.string))])
        }
        router.put("/v3/projects/{project_id}/tags/{tag}") { _, context in
            let (auth, found) = try await project(context, rule: "identity:create_project_tag")
            let tag = try context.parameters.require("tag")
            _ = try await manager.updateProject(found.id, auth: auth) { if !$0.tags.contains(tag) { $0.tags.append(tag) } }
            return JSONResponse.empty(.created)
        }
        router.delete("/v3/projects/{project_id}/tags/{tag}") { _, context in
            let (auth, found) = try await project(context, rule: "identity:delete_project_tag")
            let tag = try context.parameters.require("tag")
            guard found.tags.contains(tag) else { throw IdentityErrors.notFound("project tag", tag) }
            _ = try await manager.updateProject(found.id, auth: auth) { $0.tags.removeAll { $0 == tag } }
            return JSONResponse.empty()
        }
        router.delete("/v3/projects/{project_id}/tags") { _, context in
            let (auth, found) = try await project(context, rule: "identity:delete_project_tags")
            _ = try await manager.updateProject(found.id, auth: auth) { $0.tags = [] }
            return JSONResponse.empty()
        }
    }
}

/// `tags` (all of), `tags-any`, `not-tags` (not all of), `not-tags-any` (none of).
struct TagFilter: Sendable {
    var all: [String]?
    var any: [String]?
    var notAll: [String]?
    var notAny: [String]?

    init(request: Request) {
        func split(_ name: String) -> [String]? { request.query(name).map { $0.split(separator: ",").map(String.init) } }
        all = split("tags")
        any = split("tags-any")
        notAll = split("not-tags")
        notAny = split("not-tags-any")
    }

    func matches(_ tags: [String]) -> Bool {
        let held = Set(tags)
        if let all, !all.allSatisfy(held.contains) { return false }
        if let any, !any.contains(where: held.contains) { return false }
        if let notAll, notAll.allSatisfy(held.contains) { return false }
        if let notAny, notAny.contains(where: held.contains) { return false }
        return true
    }
}
