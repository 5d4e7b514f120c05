import HTTPTypes
import Hummingbird
import StratusKit

extension IdentityAPI {
    func registerDomains(on router: Router<StratusRequestContext>) {
        router.post("/v3/domains") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try JSONFields.require(try await request.jsonObject(context: context), "domain")
            let domain = DomainRecord(
                id: try fields.string("explicit_domain_id", maxLength: 64) ?? IDGenerator.hex(),
                name: try fields.requiredString("name", maxLength: 64),
                enabled: try fields.bool("enabled") ?? true, description: try fields.string("description", maxLength: 65535),
                extra: fields.extra(excluding: ["id", "name", "enabled", "description", "explicit_domain_id", "links"]))
            let created = try await manager.createDomain(domain, auth: auth)
            return respond(.created, "domain", wire.domain(created))
        }
        router.get("/v3/domains") { request, context in
            let auth = try context.requireAuth()
            try policy.enforce("identity:list_domains", auth, target: PolicyTargets.callerDomain(auth, as: "target.domain.id"))
            let filter = NameFilter(request: request)
            var domains = try await manager.store.read { q in
                try await q.listDomains(name: request.query("name"), enabled: try request.boolFilter("enabled"))
            }.filter { filter.matches($0.name) }
            if let ownDomain = restrictedDomain(auth) { domains = domains.filter { $0.id == ownDomain } }
            return try list("domains", domains.map(wire.domain), request: request, path: "/domains")
        }
        router.get("/v3/domains/{domain_id}") { _, context in
            let auth = try context.requireAuth()
            let id = try context.parameters.require("domain_id")
            let domain = try await manager.store.read { q in try await manager.requireDomain(id, in: q) }
            try policy.enforce("identity:get_domain", auth, target: PolicyTargets.domain(domain))
            return respond("domain", wire.domain(domain))
        }
        router.patch("/v3/domains/{domain_id}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let id = try context.parameters.require("domain_id")
            let fields = try JSONFields.require(try await request.jsonObject(context: context), "domain")
            let name = try fields.string("name", maxLength: 64)
            let enabled = try fields.bool("enabled")
            let description = try fields.string("description", maxLength: 65535)
            let extra = fields.extra(excluding: ["id", "name", "enabled", "description", "links"])
            let domain = try await manager.updateDomain(id, auth: auth) { domain in
                if let name { domain.name = name }
                if let enabled { domain.enabled = enabled }
                if fields.has("description") { domain.description = description }
                domain.extra.merge(extra) { _, new in new }
            }
            return respond("domain", wire.domain(domain))
        }
        router.delete("/v3/domains/{domain_id}") { _, context in
            let auth = try context.requireAuth()
            try await manager.deleteDomain(try context.parameters.require("domain_id"), auth: auth)
            return JSONResponse.empty()
        }
    }
}
