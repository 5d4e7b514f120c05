import HTTPTypes
import Hummingbird
import StratusKit

extension IdentityAPI {
    func registerGroups(on router: Router<StratusRequestContext>) {
        router.post("/v3/groups") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try JSONFields.require(try await request.jsonObject(context: context), "group")
            let group = GroupRecord(
                id: IDGenerator.hex(), name: try fields.requiredString("name", maxLength: 64),
                domainID: try fields.string("domain_id") ?? auth.projectDomainID ?? auth.domainID ?? "default",
                description: try fields.string("description", maxLength: 65535),
                extra: fields.extra(excluding: ["id", "name", "domain_id", "description", "links"]))
            try policy.enforce("identity:create_group", auth, target: PolicyTargets.group(group))
            try await manager.store.write { q in
                _ = try await manager.requireDomain(group.domainID, in: q)
                if !(try await q.listGroups(name: group.name, domainID: group.domainID).isEmpty) {
                    throw IdentityErrors.duplicate("group", "Duplicate entry found with name \(group.name) at domain ID \(group.domainID)")
                }
                try await q.insert(group)
            }
            return respond(.created, "group", wire.group(group))
        }
        router.get("/v3/groups") { request, context in
            let auth = try context.requireAuth()
            try policy.enforce("identity:list_groups", auth, target: PolicyTargets.callerDomain(auth, as: "target.group.domain_id"))
            var domainID = request.query("domain_id")
            if let ownDomain = restrictedDomain(auth) {
                if let domainID, domainID != ownDomain { return try list("groups", [], request: request, path: "/groups") }
                domainID = ownDomain
            }
            let nameFilter = NameFilter(request: request)
            let domainFilter = domainID
            let groups = try await manager.store.read { q in try await q.listGroups(name: request.query("name"), domainID: domainFilter) }
                .filter { nameFilter.matches($0.name) }
            return try list("groups", groups.map(wire.group), request: request, path: "/groups")
        }
        router.get("/v3/groups/{group_id}") { _, context in
            let (_, group) = try await groupFor(context, rule: "identity:get_group")
            return respond("group", wire.group(group))
        }
        router.patch("/v3/groups/{group_id}") { request, context in
            var request = request
            let (_, group) = try await groupFor(context, rule: "identity:update_group")
            let fields = try JSONFields.require(try await request.jsonObject(context: context), "group")
            if let domainID = try fields.string("domain_id"), domainID != group.domainID {
                throw APIError.badRequest("Update of `domain_id` is not allowed.")
            }
            let name = try fields.string("name", maxLength: 64)
            let description = try fields.string("description", maxLength: 65535)
            let extra = fields.extra(excluding: ["id", "name", "domain_id", "description", "links"])
            // Read, change and write in one transaction, so concurrent updates do not undo each other.
            let result = try await manager.store.write { q in
                guard var updated = try await q.group(id: group.id) else { throw IdentityErrors.notFound("group", group.id) }
                if let name { updated.name = name }
                if fields.has("description") { updated.description = description }
                updated.extra.merge(extra) { _, new in new }
                if let other = try await q.listGroups(name: updated.name, domainID: updated.domainID).first, other.id != updated.id {
                    throw IdentityErrors.duplicate("group", "Duplicate entry found with name \(updated.name) at domain ID \(updated.domainID)")
                }
                try await q.update(updated)
                return updated
            }
            return respond("group", wire.group(result))
        }
        router.delete("/v3/groups/{group_id}") { _, context in
            let (_, group) = try await groupFor(context, rule: "identity:delete_group")
            try await manager.store.write { q in
                let members = try await q.memberIDs(ofGroups: [group.id])[group.id] ?? []
                try await q.deleteGroup(id: group.id)
                for member in members { try await manager.revoke(in: q, userID: member) }
            }
            return JSONResponse.empty()
        }
        router.get("/v3/groups/{group_id}/users") { request, context in
            let (_, group) = try await groupFor(context, rule: "identity:list_users_in_group")
            let users = try await manager.store.read { q in
                try await q.listUsers(name: nil, domainID: nil, enabled: try request.boolFilter("enabled"), groupID: group.id)
            }
            return try list("users", users.map(wire.user), request: request, path: "/groups/\(group.id)/users")
        }
        router.put("/v3/groups/{group_id}/users/{user_id}") { _, context in
            let (group, user) = try await membership(context, rule: "identity:add_user_to_group")
            try await manager.store.write { q in try await q.addMember(userID: user.id, groupID: group.id) }
            return JSONResponse.empty()
        }
        router.head("/v3/groups/{group_id}/users/{user_id}") { _, context in
            try await checkMembership(context)
        }
        router.get("/v3/groups/{group_id}/users/{user_id}") { _, context in
            try await checkMembership(context)
        }
        router.delete("/v3/groups/{group_id}/users/{user_id}") { _, context in
            let (group, user) = try await membership(context, rule: "identity:remove_user_from_group")
            try await manager.store.write { q in
                guard try await q.isMember(userID: user.id, groupID: group.id) else {
                    throw APIError.notFound("User \(user.id) is not a member of group \(group.id).")
                }
                try await q.removeMember(userID: user.id, groupID: group.id)
                try await manager.revoke(in: q, userID: user.id)
            }
            return JSONResponse.empty()
        }
    }

    private func checkMembership(_ context: StratusRequestContext) async throws -> Response {
        let (group, user) = try await membership(context, rule: "identity:check_user_in_group")
        guard try await manager.store.read({ q in try await q.isMember(userID: user.id, groupID: group.id) }) else {
            throw APIError.notFound("User \(user.id) is not a member of group \(group.id).")
        }
        return JSONResponse.empty()
    }

    private func groupFor(_ context: StratusRequestContext, rule: String) async throws -> (AuthContext, GroupRecord) {
        let auth = try context.requireAuth()
        let id = try context.parameters.require("group_id")
        guard let group = try await manager.store.read({ q in try await q.group(id: id) }) else {
            throw IdentityErrors.notFound("group", id)
        }
        try policy.enforce(rule, auth, target: PolicyTargets.group(group))
        return (auth, group)
    }

    private func membership(_ context: StratusRequestContext, rule: String) async throws -> (GroupRecord, UserRecord) {
        let auth = try context.requireAuth()
        let groupID = try context.parameters.require("group_id")
        let userID = try context.parameters.require("user_id")
        let (group, user) = try await manager.store.read { q in
            guard let group = try await q.group(id: groupID) else { throw IdentityErrors.notFound("group", groupID) }
            return (group, try await manager.requireUser(userID, in: q))
        }
        try policy.enforce(rule, auth, target: PolicyTargets.group(group).merging(PolicyTargets.user(user)))
        return (group, user)
    }
}
