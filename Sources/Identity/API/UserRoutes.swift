import HTTPTypes
import Hummingbird
import StratusKit

extension IdentityAPI {
    static let userAttributes: Set<String> = [
        "id", "name", "domain_id", "enabled", "password", "default_project_id", "links", "password_expires_at",
    ]

    func registerUsers(on router: Router<StratusRequestContext>) {
        router.post("/v3/users") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try JSONFields.require(try await request.jsonObject(context: context), "user")
            let draft = UserRecord(
                id: IDGenerator.hex(), name: try fields.requiredString("name", maxLength: 255),
                domainID: try fields.string("domain_id") ?? auth.projectDomainID ?? auth.domainID ?? "default",
                enabled: try fields.bool("enabled") ?? true, defaultProjectID: try fields.string("default_project_id"),
                extra: fields.extra(excluding: Self.userAttributes), failedAuthCount: 0, createdAt: .now())
            let user = try await manager.createUser(draft, password: try fields.string("password", maxLength: 4096), auth: auth)
            return respond(.created, "user", wire.user(user))
        }
        router.get("/v3/users") { request, context in
            let auth = try context.requireAuth()
            try policy.enforce("identity:list_users", auth, target: PolicyTargets.callerDomain(auth))
            var domainID = request.query("domain_id")
            if let ownDomain = restrictedDomain(auth) {
                if let domainID, domainID != ownDomain { return try list("users", [], request: request, path: "/users") }
                domainID = ownDomain
            }
            let nameFilter = NameFilter(request: request)
            let domainFilter = domainID
            let users = try await manager.store.read { q in
                try await q.listUsers(name: request.query("name"), domainID: domainFilter, enabled: try request.boolFilter("enabled"))
            }.filter { nameFilter.matches($0.name) }
            return try list("users", users.map(wire.user), request: request, path: "/users")
        }
        router.get("/v3/users/{user_id}") { _, context in
            let auth = try context.requireAuth()
            let id = try context.parameters.require("user_id")
            let user = try await manager.store.read { q in try await manager.requireUser(id, in: q) }
            try policy.enforce("identity:get_user", auth, target: PolicyTargets.user(user))
            return respond("user", wire.user(user))
        }
        router.patch("/v3/users/{user_id}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let id = try context.parameters.require("user_id")
            let fields = try JSONFields.require(try await request.jsonObject(context: context), "user")
            if let domainID = try fields.string("domain_id") {
                let current = try await manager.store.read { q in try await manager.requireUser(id, in: q) }
                if domainID != current.domainID { throw APIError.badRequest("Update of `domain_id` is not allowed.") }
            }
            let name = try fields.string("name", maxLength: 255)
            let enabled = try fields.bool("enabled")
            let defaultProject = try fields.string("default_project_id")
            let extra = fields.extra(excluding: Self.userAttributes)
            let user = try await manager.updateUser(id, password: try fields.string("password", maxLength: 4096), auth: auth) {
                user in
                if let name { user.name = name }
                if let enabled { user.enabled = enabled }
                if fields.has("default_project_id") { user.defaultProjectID = defaultProject }
                user.extra.merge(extra) { _, new in new }
            }
            return respond("user", wire.user(user))
        }
        router.delete("/v3/users/{user_id}") { _, context in
            let auth = try context.requireAuth()
            try await manager.deleteUser(try context.parameters.require("user_id"), auth: auth)
            return JSONResponse.empty()
        }
        router.post("/v3/users/{user_id}/password") { request, context in
            var request = request
            let fields = try JSONFields.require(try await request.jsonObject(context: context), "user")
            try await manager.changeOwnPassword(
                userID: try context.parameters.require("user_id"),
                original: try fields.requiredString("original_password", maxLength: 4096, allowEmpty: true),
                new: try fields.requiredString("password", maxLength: 4096))
            return JSONResponse.empty()
        }
        router.get("/v3/users/{user_id}/projects") { request, context in
            let auth = try context.requireAuth()
            let id = try context.parameters.require("user_id")
            let user = try await manager.store.read { q in try await manager.requireUser(id, in: q) }
            try policy.enforce(
                "identity:list_user_projects", auth, target: PolicyTargets.user(user).merging(["user_id": .string(id)]))
            let projects = try await manager.projectsWithAccess(userID: id)
            return try list("projects", projects.map(wire.project), request: request, path: "/users/\(id)/projects")
        }
        router.get("/v3/users/{user_id}/groups") { request, context in
            let auth = try context.requireAuth()
            let id = try context.parameters.require("user_id")
            let user = try await manager.store.read { q in try await manager.requireUser(id, in: q) }
            try policy.enforce(
                "identity:list_groups_for_user", auth, target: PolicyTargets.user(user).merging(["user_id": .string(id)]))
            let groups = try await manager.store.read { q in try await q.listGroups(name: nil, domainID: nil, memberUserID: id) }
            return try list("groups", groups.map(wire.group), request: request, path: "/users/\(id)/groups")
        }
    }
}
