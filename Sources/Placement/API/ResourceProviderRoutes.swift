import Hummingbird
import StratusKit

extension PlacementAPI {
    func registerResourceProviders(on router: PlacementRouteTable) {
        router.post("/resource_providers") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let version = Self.version(context)
            let body = try await request.placementBody(context: context)
            try body.onlyAllow(version.isAtLeast(1, 14) ? ["name", "uuid", "parent_provider_uuid"] : ["name", "uuid"])
            let name = try body.string("name", maxLength: 200, required: true)!
            let uuid = try body.uuid("uuid") ?? nil
            let parent = try body.uuid("parent_provider_uuid", nullable: true) ?? nil
            let provider = try await manager.createProvider(name: name, uuid: uuid, parentUUID: parent, auth: auth)
            let headers = Self.location("/resource_providers/\(provider.uuid)")
            if version.isAtLeast(1, 20) {
                return Self.respond(PlacementWire.provider(provider, version: version), context, headers: headers)
            }
            return JSONResponse.empty(.created, headers: headers)
        }
        router.get("/resource_providers") { request, context in
            let auth = try context.requireAuth()
            let version = Self.version(context)
            try PlacementQuery.onlyAllow(request) { name in
                switch name {
                case "name", "uuid": true
                case "member_of": version.isAtLeast(1, 3)
                case "resources": version.isAtLeast(1, 4)
                case "in_tree": version.isAtLeast(1, 14)
                case "required": version.isAtLeast(1, 18)
                default: false
                }
            }
            var filter = ProviderFilter()
            filter.name = request.query("name")
            if let uuid = request.query("uuid") {
                guard let canonical = PlacementNames.uuid(uuid) else {
                    throw PlacementErrors.badRequest(
                        "Invalid query string parameters: '\(uuid)' is not a 'uuid'", code: PlacementErrors.badQueryValue)
                }
                filter.uuid = canonical
            }
            if let tree = request.query("in_tree") {
                guard let canonical = PlacementNames.uuid(tree) else {
                    throw PlacementErrors.badRequest(
                        "Invalid query string parameters: '\(tree)' is not a 'uuid'", code: PlacementErrors.badQueryValue)
                }
                filter.inTree = canonical
            }
            if let resources = request.query("resources") { filter.resources = try PlacementQuery.resources(resources) }
            try PlacementQuery.memberOf(PlacementQuery.values(request, "member_of"), version: version, into: &filter.requirements)
            try PlacementQuery.traits(
                PlacementQuery.values(request, "required"), version: version, parameter: "required", into: &filter.requirements)
            let providers = try await manager.listProviders(filter, auth: auth)
            return Self.respond(
                ["resource_providers": .array(providers.map { PlacementWire.provider($0, version: version) })], context)
        }
        router.get("/resource_providers/{uuid}") { _, context in
            let auth = try context.requireAuth()
            let provider = try await manager.provider(try Self.providerUUID(context), auth: auth)
            return Self.respond(PlacementWire.provider(provider, version: Self.version(context)), context)
        }
        router.put("/resource_providers/{uuid}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let version = Self.version(context)
            let uuid = try Self.providerUUID(context)
            let body = try await request.placementBody(context: context)
            try body.onlyAllow(version.isAtLeast(1, 14) ? ["name", "parent_provider_uuid"] : ["name"])
            let name = try body.string("name", maxLength: 200, required: true)!
            let parent: PlacementManager.ParentChange =
                switch try body.uuid("parent_provider_uuid", nullable: true) {
                case .none: .keep
                case .some(let value): .set(value)
                }
            let provider = try await manager.updateProvider(
                uuid, name: name, parent: parent, allowReparent: version.isAtLeast(1, 37), auth: auth)
            return Self.respond(PlacementWire.provider(provider, version: version), context)
        }
        router.delete("/resource_providers/{uuid}") { _, context in
            let auth = try context.requireAuth()
            try await manager.deleteProvider(try Self.providerUUID(context), auth: auth)
            return JSONResponse.empty()
        }
    }
}
