import Hummingbird
import StratusKit

extension PlacementAPI {
    func registerUsages(on router: PlacementRouteTable) {
        router.get("/resource_providers/{uuid}/usages") { _, context in
            let auth = try context.requireAuth()
            let (provider, usages) = try await manager.providerUsages(try Self.providerUUID(context), auth: auth)
            return Self.respond(
                ["usages": PlacementWire.resources(usages), "resource_provider_generation": .int(provider.generation)], context)
        }
        router.get("/usages") { request, context in
            let auth = try context.requireAuth()
            try Self.require(context, 1, 9)
            let version = Self.version(context)
            try PlacementQuery.onlyAllow(request) { name in
                name == "project_id" || name == "user_id" || (name == "consumer_type" && version.isAtLeast(1, 38))
            }
            guard let project = request.query("project_id") else {
                throw PlacementErrors.badRequest("Invalid query string parameters: 'project_id' is a required property")
            }
            let consumerType = request.query("consumer_type").map { $0 == "all" ? nil : $0 } ?? nil
            let usages = try await manager.totalUsages(
                projectID: project, userID: request.query("user_id"), consumerType: consumerType, auth: auth)
            if version.isAtLeast(1, 38) {
                return Self.respond(
                    [
                        "usages": .object(
                            usages.mapValues { usage in
                                var entry = usage.resources.mapValues { JSONValue.int($0) }
                                entry["consumer_count"] = .int(Int64(usage.consumerCount))
                                return .object(entry)
                            })
                    ], context)
            }
            let totals = usages.values.reduce(into: [String: Int64]()) { $0.merge($1.resources) { $0 + $1 } }
            return Self.respond(["usages": PlacementWire.resources(totals)], context)
        }
    }
}
