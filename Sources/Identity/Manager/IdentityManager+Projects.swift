import StratusKit

extension IdentityManager {
    func requireProject(_ id: String, in q: IdentityQueries) async throws -> ProjectRecord {
        guard let project = try await q.project(id: id) else { throw IdentityErrors.notFound("project", id) }
        return project
    }

    /// Creates a project; its domain defaults to the parent's, then to the caller's scope's
    /// domain, then to `default`.
    func createProject(
        name: String, domainID requestedDomain: String?, parentID: String?, enabled: Bool, description: String?,
        tags: [String], extra: [String: JSONValue], auth: AuthContext
    ) async throws -> ProjectRecord {
        try ProjectTags.validate(tags)
        return try await store.write { q in
            var domainID = requestedDomain
            if let parentID {
                guard let parent = try await q.project(id: parentID) else {
                    if try await q.domain(id: parentID) != nil, requestedDomain == nil || requestedDomain == parentID {
                        domainID = parentID
                        return try await self.insertProject(
                            q, name: name, domainID: parentID, parentID: nil, enabled: enabled, description: description,
                            tags: tags, extra: extra, auth: auth)
                    }
                    throw IdentityErrors.notFound("project", parentID)
                }
                if let requestedDomain, requestedDomain != parent.domainID {
                    throw APIError.badRequest("Cannot create a child project in another domain than its parent.")
                }
                domainID = parent.domainID
            }
            let domain = domainID ?? auth.projectDomainID ?? auth.domainID ?? "default"
            guard try await q.domain(id: domain) != nil else { throw IdentityErrors.notFound("domain", domain) }
            return try await self.insertProject(
                q, name: name, domainID: domain, parentID: parentID, enabled: enabled, description: description,
                tags: tags, extra: extra, auth: auth)
        }
    }

    private func insertProject(
        _ q: IdentityQueries, name: String, domainID: String, parentID: String?, enabled: Bool, description: String?,
        tags: [String], extra: [String: JSONValue], auth: AuthContext
    ) async throws -> ProjectRecord {
        let project = ProjectRecord(
            id: IDGenerator.hex(), name: name, domainID: domainID, parentID: parentID, enabled: enabled,
            description: description, extra: extra, tags: tags)
        try policy.enforce("identity:create_project", auth, target: PolicyTargets.project(project))
        if try await q.project(name: name, domainID: domainID) != nil {
            throw IdentityErrors.duplicate("project", "it is not permitted to have two projects with the same name in the same domain : \(name)")
        }
        try await q.insert(project)
        return project
    }

    func updateProject(_ id: String, auth: AuthContext, change: @escaping @Sendable (inout ProjectRecord) throws -> Void)
        async throws -> ProjectRecord
    {
        try await store.write { q in
            var project = try await self.requireProject(id, in: q)
            try self.policy.enforce("identity:update_project", auth, target: PolicyTargets.project(project))
            let wasEnabled = project.enabled
            try change(&project)
            try ProjectTags.validate(project.tags)
            if let other = try await q.project(name: project.name, domainID: project.domainID), other.id != id {
                throw IdentityErrors.duplicate("project", "it is not permitted to have two projects with the same name in the same domain : \(project.name)")
            }
            try await q.update(project)
            if wasEnabled, !project.enabled { try await self.revoke(in: q, projectID: id) }
            return project
        }
    }

    func deleteProject(_ id: String, auth: AuthContext) async throws {
        try await store.write { q in
            let project = try await self.requireProject(id, in: q)
            try self.policy.enforce("identity:delete_project", auth, target: PolicyTargets.project(project))
            if try await q.childProjectCount(of: id) > 0 {
                throw APIError.forbidden("Cannot delete the project \(id) since it is not a leaf in the hierarchy.")
            }
            try await q.deleteProject(id: id)
            try await self.revoke(in: q, projectID: id)
        }
    }

    /// Projects matching `filter`; repeated listings between writes are served from memory.
    func listProjects(_ filter: IdentityQueries.ProjectFilter) async throws -> [ProjectRecord] {
        try await projectLists.value("\(filter)", generation: store.generation) {
            try await store.read { q in try await q.listProjects(filter) }
        }
    }

    /// Enabled projects where the user holds a role (direct, group or inherited).
    func projectsWithAccess(userID: String) async throws -> [ProjectRecord] {
        return try await store.read { q in
            let actors = [userID] + (try await q.groupIDs(ofUser: userID))
            let assignments = try await q.assignments(actorIDs: actors)
            var ids = Set<String>()
            var inheritedRoots = Set<String>()
            for assignment in assignments {
                switch assignment.type {
                case .userProject, .groupProject:
                    if assignment.inherited { inheritedRoots.insert(assignment.targetID) } else { ids.insert(assignment.targetID) }
                case .userDomain, .groupDomain:
                    if assignment.inherited { inheritedRoots.insert(assignment.targetID) }
                case .userSystem, .groupSystem:
                    break
                }
            }
            if !inheritedRoots.isEmpty {
                let tree = try await q.projectTree()
                for node in tree where inheritedRoots.contains(node.domainID) { ids.insert(node.id) }
                ids.formUnion(ProjectHierarchy(tree).descendants(ofAny: inheritedRoots))
            }
            return try await q.listProjects(.init(enabled: true, ids: Array(ids)))
        }
    }
}

/// Parent/child links of projects, for subtree expansion.
struct ProjectHierarchy {
    private var children: [String: [String]] = [:]

    init(_ tree: [(id: String, parentID: String?, domainID: String)]) {
        for node in tree { if let parent = node.parentID { children[parent, default: []].append(node.id) } }
    }

    /// Every project below any of `roots` (not the roots themselves).
    func descendants(ofAny roots: Set<String>) -> Set<String> {
        var result = Set<String>()
        var pending = Array(roots)
        while let next = pending.popLast() {
            for child in children[next] ?? [] where result.insert(child).inserted { pending.append(child) }
        }
        return result
    }
}

/// Keystone's rules for project tags: at most 80 per project, each at most 255
/// characters, no `/` or `,`.
enum ProjectTags {
    static func validate(_ tags: [String]) throws {
        guard tags.count <= 80 else { throw APIError.badRequest("A project may have at most 80 tags.") }
        for tag in tags {
            guard !tag.isEmpty, tag.count <= 255, !tag.contains("/"), !tag.contains(",") else {
                throw APIError.badRequest("Invalid tag \"\(tag)\": tags are 1-255 characters without '/' or ','.")
            }
        }
    }
}
