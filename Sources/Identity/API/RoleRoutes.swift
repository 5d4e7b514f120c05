import HTTPTypes
import Hummingbird
import StratusKit

extension IdentityAPI {
    func registerRoles(on router: Router<StratusRequestContext>) {
        router.post("/v3/roles") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try JSONFields.require(try await request.jsonObject(context: context), "role")
            let role = RoleRecord(
                id: IDGenerator.hex(), name: try fields.requiredString("name", maxLength: 255),
                domainID: try fields.string("domain_id"), description: try fields.string("description", maxLength: 255),
                extra: fields.extra(excluding: ["id", "name", "domain_id", "description", "links"]))
            try policy.enforce(
                role.domainID == nil ? "identity:create_role" : "identity:create_domain_role", auth,
                target: PolicyTargets.role(role))
            try await manager.store.write { q in
                if let domainID = role.domainID { _ = try await manager.requireDomain(domainID, in: q) }
                if try await q.allRoles().contains(where: { $0.name == role.name && $0.domainID == role.domainID }) {
                    throw IdentityErrors.duplicate("role", "Duplicate entry found with name \(role.name)")
                }
                try await q.insert(role)
            }
            return respond(.created, "role", wire.role(role))
        }
        router.get("/v3/roles") { request, context in
            let auth = try context.requireAuth()
            let domainID = request.query("domain_id")
            try policy.enforce(
                domainID == nil ? "identity:list_roles" : "identity:list_domain_roles", auth,
                target: ["target.role.domain_id": domainID.map(PolicyValue.string) ?? .none])
            let nameFilter = NameFilter(request: request)
            let name = request.query("name")
            let roles = try await manager.tokens.roles.table().roles.values
                .filter { $0.domainID == domainID && (name == nil || $0.name == name) && nameFilter.matches($0.name) }
                .sorted { $0.name < $1.name }
            return try list("roles", roles.map(wire.role), request: request, path: "/roles")
        }
        router.get("/v3/roles/{role_id}") { _, context in
            let (_, role) = try await roleFor(context, globalRule: "identity:get_role", domainRule: "identity:get_domain_role")
            return respond("role", wire.role(role))
        }
        router.patch("/v3/roles/{role_id}") { request, context in
            var request = request
            let (_, role) = try await roleFor(context, globalRule: "identity:update_role", domainRule: "identity:update_domain_role")
            let fields = try JSONFields.require(try await request.jsonObject(context: context), "role")
            if fields.has("domain_id"), try fields.string("domain_id") != role.domainID {
                throw APIError.badRequest("Update of `domain_id` is not allowed.")
            }
            let name = try fields.string("name", maxLength: 255)
            let description = try fields.string("description", maxLength: 255)
            let extra = fields.extra(excluding: ["id", "name", "domain_id", "description", "links"])
            // Read, change and write in one transaction, so concurrent updates do not undo each other.
            let result = try await manager.store.write { q in
                guard var updated = try await q.role(id: role.id) else { throw IdentityErrors.notFound("role", role.id) }
                if let name { updated.name = name }
                if fields.has("description") { updated.description = description }
                updated.extra.merge(extra) { _, new in new }
                if try await q.allRoles().contains(where: { $0.name == updated.name && $0.domainID == updated.domainID && $0.id != updated.id }) {
                    throw IdentityErrors.duplicate("role", "Duplicate entry found with name \(updated.name)")
                }
                try await q.update(updated)
                return updated
            }
            return respond("role", wire.role(result))
        }
        router.delete("/v3/roles/{role_id}") { _, context in
            let (_, role) = try await roleFor(context, globalRule: "identity:delete_role", domainRule: "identity:delete_domain_role")
            try await manager.store.write { q in try await q.deleteRole(id: role.id) }
            return JSONResponse.empty()
        }
        registerImpliedRoles(on: router)
    }

    func roleFor(_ context: StratusRequestContext, globalRule: String, domainRule: String) async throws
        -> (AuthContext, RoleRecord)
    {
        let auth = try context.requireAuth()
        let id = try context.parameters.require("role_id")
        guard let role = try await manager.tokens.roles.table().roles[id] else { throw IdentityErrors.notFound("role", id) }
        try policy.enforce(role.domainID == nil ? globalRule : domainRule, auth, target: PolicyTargets.role(role))
        return (auth, role)
    }

    private func registerImpliedRoles(on router: Router<StratusRequestContext>) {
        @Sendable func pair(_ context: StratusRequestContext, rule: String) async throws -> (RoleRecord, RoleRecord, RoleTable) {
            let auth = try context.requireAuth()
            try policy.enforce(rule, auth)
            let table = try await manager.tokens.roles.table()
            let priorID = try context.parameters.require("role_id")
            let impliedID = try context.parameters.require("implied_role_id")
            guard let prior = table.roles[priorID] else { throw IdentityErrors.notFound("role", priorID) }
            guard let implied = table.roles[impliedID] else { throw IdentityErrors.notFound("role", impliedID) }
            return (prior, implied, table)
        }
        @Sendable func inference(_ prior: RoleRecord, _ implied: RoleRecord) -> JSONValue {
            [
                "role_inference": ["prior_role": wire.roleReference(prior), "implies": wire.roleReference(implied)],
                "links": wire.links("/roles/\(prior.id)/implies/\(implied.id)"),
            ]
        }
        router.put("/v3/roles/{role_id}/implies/{implied_role_id}") { _, context in
            let (prior, implied, table) = try await pair(context, rule: "identity:create_implied_role")
            if implied.name == "admin" {
                throw APIError.forbidden("The admin role may not be implied by another role.")
            }
            if let domainID = implied.domainID, domainID != prior.domainID {
                throw APIError.forbidden("A domain-specific role may only be implied by a role of the same domain.")
            }
            if table.expanding([implied.id]).contains(prior.id) {
                throw APIError.badRequest("Role \(implied.name) already implies \(prior.name); the rule would form a cycle.")
            }
            try await manager.store.write { q in
                if !(table.implies[prior.id] ?? []).contains(implied.id) {
                    try await q.insertImplication(prior: prior.id, implied: implied.id)
                }
            }
            return JSONResponse.make(.created, inference(prior, implied))
        }
        router.get("/v3/roles/{role_id}/implies/{implied_role_id}") { _, context in
            let (prior, implied, table) = try await pair(context, rule: "identity:get_implied_role")
            guard (table.implies[prior.id] ?? []).contains(implied.id) else {
                throw APIError.notFound("\(prior.id) does not imply \(implied.id).")
            }
            return JSONResponse.make(.ok, inference(prior, implied))
        }
        router.head("/v3/roles/{role_id}/implies/{implied_role_id}") { _, context in
            let (prior, implied, table) = try await pair(context, rule: "identity:check_implied_role")
            guard (table.implies[prior.id] ?? []).contains(implied.id) else {
                throw APIError.notFound("\(prior.id) does not imply \(implied.id).")
            }
            return JSONResponse.empty()
        }
        router.delete("/v3/roles/{role_id}/implies/{implied_role_id}") { _, context in
            let (prior, implied, table) = try await pair(context, rule: "identity:delete_implied_role")
            guard (table.implies[prior.id] ?? []).contains(implied.id) else {
                throw APIError.notFound("\(prior.id) does not imply \(implied.id).")
            }
            try await manager.store.write { q in try await q.deleteImplication(prior: prior.id, implied: implied.id) }
            return JSONResponse.empty()
        }
        router.get("/v3/roles/{role_id}/implies") { _, context in
            let auth = try context.requireAuth()
            try policy.enforce("identity:list_implied_roles", auth)
            let table = try await manager.tokens.roles.table()
            let priorID = try context.parameters.require("role_id")
            guard let prior = table.roles[priorID] else { throw IdentityErrors.notFound("role", priorID) }
            let implied = (table.implies[priorID] ?? []).compactMap { table.roles[$0] }.map(wire.roleReference)
            return JSONResponse.make(
                .ok,
                [
                    "role_inference": ["prior_role": wire.roleReference(prior), "implies": .array(implied)],
                    "links": wire.links("/roles/\(priorID)/implies"),
                ])
        }
        router.get("/v3/role_inferences") { _, context in
            let auth = try context.requireAuth()
            try policy.enforce("identity:list_role_inference_rules", auth)
            let table = try await manager.tokens.roles.table()
            let rules: [JSONValue] = table.implies.keys.sorted().compactMap { priorID in
                guard let prior = table.roles[priorID] else { return nil }
                let implied = (table.implies[priorID] ?? []).compactMap { table.roles[$0] }.map(wire.roleReference)
                return ["prior_role": wire.roleReference(prior), "implies": .array(implied)]
            }
            return JSONResponse.make(.ok, ["role_inferences": .array(rules), "links": wire.links("/role_inferences")])
        }
    }
}
