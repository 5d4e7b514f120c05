import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `/flavors/{id}/os-flavor-access` and the `addTenantAccess` / `removeTenantAccess`
    /// actions of `/flavors/{id}/action`.
    func registerFlavorAccess(on router: Router<StratusRequestContext>) {
        router.get("/v2.1/flavors/{flavor_id}/os-flavor-access") { _, context in
            let auth = try context.requireAuth()
            let flavorID = try context.parameters.require("flavor_id")
            return Self.respond(ComputeWire.flavorAccess(flavorID, try await manager.flavorAccess(flavorID, auth)))
        }
        router.post("/v2.1/flavors/{flavor_id}/action") { request, context in
            let auth = try context.requireAuth()
            let flavorID = try context.parameters.require("flavor_id")
            let body = try await Self.body(request, context)
            let projects: [String]
            if body["addTenantAccess"] != nil {
                projects = try await manager.addFlavorAccess(flavorID, project: try Self.tenant(body, "addTenantAccess"), auth)
            } else if body["removeTenantAccess"] != nil {
                projects = try await manager.removeFlavorAccess(
                    flavorID, project: try Self.tenant(body, "removeTenantAccess"), auth)
            } else {
                throw ComputeErrors.badRequest("There is no such action: \(body.keys.sorted().first ?? "")")
            }
            return Self.respond(ComputeWire.flavorAccess(flavorID, projects))
        }
    }

    /// The `tenant` of an access action's body.
    private static func tenant(_ body: [String: JSONValue], _ action: String) throws -> String {
        let member = try ComputeBody(body, member: action)
        try member.onlyAllow(["tenant"])
        return try member.string("tenant", required: true)!
    }
}
