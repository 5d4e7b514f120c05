import HTTPTypes
import Hummingbird
import StratusKit

extension IdentityAPI {
    func registerRoleAssignments(on router: Router<StratusRequestContext>) {
        router.get("/v3/role_assignments") { request, context in
            let auth = try context.requireAuth()
            let query = IdentityManager.RoleAssignmentQuery(
                userID: request.query("user.id"), groupID: request.query("group.id"),
                projectID: request.query("scope.project.id"), domainID: request.query("scope.domain.id"),
                system: request.query("scope.system") != nil, roleID: request.query("role.id"),
                inheritedOnly: request.query("scope.OS-INHERIT:inherited_to") != nil,
                effective: request.queryFlag("effective"), includeSubtree: request.queryFlag("include_subtree"))
            if query.includeSubtree {
                guard let projectID = query.projectID else {
                    throw APIError.badRequest("include_subtree requires scope.project.id.")
                }
                let project = try await manager.store.read { q in try await manager.requireProject(projectID, in: q) }
                try policy.enforce(
                    "identity:list_role_assignments_for_tree", auth,
                    target: PolicyTargets.project(project).merging(["target.domain_id": .string(project.domainID)]))
            } else {
                try policy.enforce("identity:list_role_assignments", auth, target: PolicyTargets.callerDomain(auth))
            }
            var entries = try await manager.listRoleAssignments(query)
            // A domain-scoped caller who is not an admin sees the assignments on its domain
            // and on the projects in it, whatever the filters asked for (as Keystone filters).
            if let ownDomain = restrictedDomain(auth) {
                let projectIDs = Set(entries.compactMap { entry -> String? in
                    if case .project(let id) = entry.target { return id }
                    return nil
                })
                let projects = try await manager.store.read { q in try await q.projects(ids: projectIDs) }
                entries = entries.filter { entry in
                    switch entry.target {
                    case .domain(let id): id == ownDomain
                    case .project(let id): projects[id]?.domainID == ownDomain
                    case .system: false
                    }
                }
            }
            let rendered = try await renderAssignments(entries, includeNames: request.queryFlag("include_names"))
            return try list("role_assignments", rendered, request: request, path: "/role_assignments")
        }
    }

    private func renderAssignments(_ entries: [RoleAssignmentEntry], includeNames: Bool) async throws -> [JSONValue] {
        let table = try await manager.tokens.roles.table()
        var names = AssignmentNames()
        if includeNames {
            names = try await manager.store.read { q in
                var userIDs = Set<String>(), groupIDs = Set<String>(), projectIDs = Set<String>(), domainIDs = Set<String>()
                for entry in entries {
                    if entry.actorIsGroup { groupIDs.insert(entry.actorID) } else { userIDs.insert(entry.actorID) }
                    switch entry.target {
                    case .project(let id): projectIDs.insert(id)
                    case .domain(let id): domainIDs.insert(id)
                    case .system: break
                    }
                }
                let users = try await q.users(ids: userIDs)
                let groups = try await q.groups(ids: groupIDs)
                let projects = try await q.projects(ids: projectIDs)
                domainIDs.formUnion(users.values.map(\.domainID))
                domainIDs.formUnion(groups.values.map(\.domainID))
                domainIDs.formUnion(projects.values.map(\.domainID))
                domainIDs.formUnion(table.roles.values.compactMap(\.domainID))
                return AssignmentNames(
                    users: users, groups: groups, projects: projects, domains: try await q.domains(ids: domainIDs))
            }
        }
        func domainRef(_ id: String) -> JSONValue {
            ["id": .string(id), "name": .optional(names.domains[id]?.name)]
        }
        return entries.map { entry in
            var object: [String: JSONValue] = [:]
            var role: [String: JSONValue] = ["id": .string(entry.roleID)]
            if includeNames, let record = table.roles[entry.roleID] {
                role["name"] = .string(record.name)
                if let domainID = record.domainID { role["domain"] = domainRef(domainID) }
            }
            object["role"] = .object(role)
            var actor: [String: JSONValue] = ["id": .string(entry.actorID)]
            if includeNames {
                if entry.actorIsGroup, let group = names.groups[entry.actorID] {
                    actor["name"] = .string(group.name)
                    actor["domain"] = domainRef(group.domainID)
                } else if let user = names.users[entry.actorID] {
                    actor["name"] = .string(user.name)
                    actor["domain"] = domainRef(user.domainID)
                }
            }
            object[entry.actorIsGroup ? "group" : "user"] = .object(actor)
            var scope: [String: JSONValue] = [:]
            switch entry.target {
            case .project(let id):
                var project: [String: JSONValue] = ["id": .string(id)]
                if includeNames, let record = names.projects[id] {
                    project["name"] = .string(record.name)
                    project["domain"] = domainRef(record.domainID)
                }
                scope["project"] = .object(project)
            case .domain(let id):
                var domain: [String: JSONValue] = ["id": .string(id)]
                if includeNames { domain["name"] = .optional(names.domains[id]?.name) }
                scope["domain"] = .object(domain)
            case .system:
                scope["system"] = ["all": true]
            }
            if entry.inherited { scope["OS-INHERIT:inherited_to"] = "projects" }
            object["scope"] = .object(scope)
            // The link names the stored assignment this entry comes from.
            let source = Self.assignmentPath(
                target: entry.inheritedFrom ?? entry.target, actorIsGroup: entry.viaGroupID != nil || entry.actorIsGroup,
                actorID: entry.viaGroupID ?? entry.actorID, roleID: entry.priorRoleID ?? entry.roleID,
                inherited: entry.inherited || entry.inheritedFrom != nil)
            var links: [String: JSONValue] = ["assignment": .string(wire.baseURL + source)]
            if let group = entry.viaGroupID { links["membership"] = .string(wire.baseURL + "/groups/\(group)/users/\(entry.actorID)") }
            if let prior = entry.priorRoleID { links["prior_role"] = .string(wire.baseURL + "/roles/\(prior)") }
            object["links"] = .object(links)
            return .object(object)
        }
    }
}

extension IdentityAPI {
    static func assignmentPath(
        target: AssignmentTarget, actorIsGroup: Bool, actorID: String, roleID: String, inherited: Bool
    ) -> String {
        let actor = (actorIsGroup ? "groups/" : "users/") + actorID
        let path: String =
            switch target {
            case .project(let id): "/projects/\(id)/\(actor)/roles/\(roleID)"
            case .domain(let id): "/domains/\(id)/\(actor)/roles/\(roleID)"
            case .system: "/system/\(actor)/roles/\(roleID)"
            }
        return inherited ? "/OS-INHERIT" + path + "/inherited_to_projects" : path
    }
}

private struct AssignmentNames: Sendable {
    var users: [String: UserRecord] = [:]
    var groups: [String: GroupRecord] = [:]
    var projects: [String: ProjectRecord] = [:]
    var domains: [String: DomainRecord] = [:]
}
