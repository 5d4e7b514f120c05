import SQLKit
import HTTPTypes
import Hummingbird
import StratusKit

extension IdentityAPI {
    static let endpointInterfaces: Set<String> = ["public", "internal", "admin"]

    func registerCatalog(on router: Router<StratusRequestContext>) {
        registerRegions(on: router)
        registerServices(on: router)
        registerEndpoints(on: router)
    }

    private func registerRegions(on router: Router<StratusRequestContext>) {
        @Sendable func create(_ request: Request, _ context: StratusRequestContext, id fixedID: String?) async throws -> Response {
            var request = request
            let auth = try context.requireAuth()
            try policy.enforce("identity:create_region", auth)
            let fields = try JSONFields.require(try await request.jsonObject(context: context), "region")
            if let fixedID, let bodyID = try fields.string("id"), bodyID != fixedID {
                throw APIError.badRequest("Conflicting region IDs specified: \"\(fixedID)\" and \"\(bodyID)\".")
            }
            let region = RegionRecord(
                id: try fixedID ?? fields.string("id") ?? IDGenerator.hex(),
                description: try fields.string("description", maxLength: 255) ?? "",
                parentRegionID: try fields.string("parent_region_id"),
                extra: fields.extra(excluding: ["id", "description", "parent_region_id", "links"]))
            try await manager.store.write { q in
                if let parent = region.parentRegionID, try await q.region(id: parent) == nil {
                    throw IdentityErrors.notFound("region", parent)
                }
                if try await q.region(id: region.id) != nil {
                    throw IdentityErrors.duplicate("region", "Duplicate ID, \(region.id)")
                }
                try await q.insert(region)
            }
            return respond(.created, "region", wire.region(region))
        }
        router.post("/v3/regions") { request, context in try await create(request, context, id: nil) }
        router.put("/v3/regions/{region_id}") { request, context in
            try await create(request, context, id: try context.parameters.require("region_id"))
        }
        router.get("/v3/regions") { request, context in
            let auth = try context.requireAuth()
            try policy.enforce("identity:list_regions", auth)
            let regions = try await manager.store.read { q in try await q.listRegions(parentRegionID: request.query("parent_region_id")) }
            return try list("regions", regions.map(wire.region), request: request, path: "/regions")
        }
        router.get("/v3/regions/{region_id}") { _, context in
            let auth = try context.requireAuth()
            try policy.enforce("identity:get_region", auth)
            let id = try context.parameters.require("region_id")
            guard let region = try await manager.store.read({ q in try await q.region(id: id) }) else {
                throw IdentityErrors.notFound("region", id)
            }
            return respond("region", wire.region(region))
        }
        router.patch("/v3/regions/{region_id}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            try policy.enforce("identity:update_region", auth)
            let id = try context.parameters.require("region_id")
            let fields = try JSONFields.require(try await request.jsonObject(context: context), "region")
            let description = try fields.string("description", maxLength: 255)
            let parent = try fields.string("parent_region_id")
            let extra = fields.extra(excluding: ["id", "description", "parent_region_id", "links"])
            let region = try await manager.store.write { q in
                guard var region = try await q.region(id: id) else { throw IdentityErrors.notFound("region", id) }
                if let description { region.description = description }
                if fields.has("parent_region_id") {
                    if let parent {
                        guard try await q.region(id: parent) != nil else { throw IdentityErrors.notFound("region", parent) }
                        guard parent != id else { throw APIError.badRequest("A region cannot be its own parent.") }
                    }
                    region.parentRegionID = parent
                }
                region.extra.merge(extra) { _, new in new }
                try await q.update(region)
                return region
            }
            return respond("region", wire.region(region))
        }
        router.delete("/v3/regions/{region_id}") { _, context in
            let auth = try context.requireAuth()
            try policy.enforce("identity:delete_region", auth)
            let id = try context.parameters.require("region_id")
            try await manager.store.write { q in
                guard try await q.region(id: id) != nil else { throw IdentityErrors.notFound("region", id) }
                if !(try await q.listRegions(parentRegionID: id).isEmpty) {
                    throw APIError.forbidden("Cannot delete a region that has child regions.")
                }
                try await q.delete(from: "regions", where: "id", id)
                try await q.sql.update("endpoints").set("region_id", to: SQLLiteral.null).where("region_id", .equal, id).run()
            }
            return JSONResponse.empty()
        }
    }

    private func registerServices(on router: Router<StratusRequestContext>) {
        router.post("/v3/services") { request, context in
            var request = request
            let auth = try context.requireAuth()
            try policy.enforce("identity:create_service", auth)
            let fields = try JSONFields.require(try await request.jsonObject(context: context), "service")
            let service = ServiceRecord(
                id: IDGenerator.hex(), type: try fields.requiredString("type", maxLength: 255),
                enabled: try fields.bool("enabled") ?? true, extra: fields.extra(excluding: ["id", "type", "enabled", "links"]))
            try await manager.store.write { q in try await q.insert(service) }
            return respond(.created, "service", wire.service(service))
        }
        router.get("/v3/services") { request, context in
            let auth = try context.requireAuth()
            try policy.enforce("identity:list_services", auth)
            let name = request.query("name")
            let services = try await manager.store.read { q in try await q.listServices(type: request.query("type")) }
                .filter { name == nil || $0.name == name }
            return try list("services", services.map(wire.service), request: request, path: "/services")
        }
        router.get("/v3/services/{service_id}") { _, context in
            let auth = try context.requireAuth()
            try policy.enforce("identity:get_service", auth)
            let id = try context.parameters.require("service_id")
            guard let service = try await manager.store.read({ q in try await q.service(id: id) }) else {
                throw IdentityErrors.notFound("service", id)
            }
            return respond("service", wire.service(service))
        }
        router.patch("/v3/services/{service_id}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            try policy.enforce("identity:update_service", auth)
            let id = try context.parameters.require("service_id")
            let fields = try JSONFields.require(try await request.jsonObject(context: context), "service")
            let type = try fields.string("type", maxLength: 255)
            let enabled = try fields.bool("enabled")
            let extra = fields.extra(excluding: ["id", "type", "enabled", "links"])
            let service = try await manager.store.write { q in
                guard var service = try await q.service(id: id) else { throw IdentityErrors.notFound("service", id) }
                if let type { service.type = type }
                if let enabled { service.enabled = enabled }
                service.extra.merge(extra) { _, new in new }
                try await q.update(service)
                return service
            }
            return respond("service", wire.service(service))
        }
        router.delete("/v3/services/{service_id}") { _, context in
            let auth = try context.requireAuth()
            try policy.enforce("identity:delete_service", auth)
            let id = try context.parameters.require("service_id")
            try await manager.store.write { q in
                guard try await q.service(id: id) != nil else { throw IdentityErrors.notFound("service", id) }
                try await q.delete(from: "services", where: "id", id)
                try await q.delete(from: "endpoints", where: "service_id", id)
            }
            return JSONResponse.empty()
        }
    }

    private func registerEndpoints(on router: Router<StratusRequestContext>) {
        router.post("/v3/endpoints") { request, context in
            var request = request
            let auth = try context.requireAuth()
            try policy.enforce("identity:create_endpoint", auth)
            let fields = try JSONFields.require(try await request.jsonObject(context: context), "endpoint")
            let interface = try fields.requiredString("interface")
            guard Self.endpointInterfaces.contains(interface) else {
                throw APIError.badRequest("Invalid input for field 'interface': '\(interface)' is not one of public, internal, admin.")
            }
            let url = try fields.requiredString("url", maxLength: 225)
            guard url.hasPrefix("http://") || url.hasPrefix("https://") || url.hasPrefix("$(") else {
                throw APIError.badRequest("Invalid input for field 'url': '\(url)' is not a valid URL.")
            }
            let endpoint = EndpointRecord(
                id: IDGenerator.hex(), serviceID: try fields.requiredString("service_id"), interface: interface,
                regionID: try fields.string("region_id") ?? fields.string("region"), url: url,
                enabled: try fields.bool("enabled") ?? true,
                extra: fields.extra(excluding: ["id", "service_id", "interface", "region_id", "region", "url", "enabled", "links"]))
            try await manager.store.write { q in
                guard try await q.service(id: endpoint.serviceID) != nil else {
                    throw IdentityErrors.notFound("service", endpoint.serviceID)
                }
                if let region = endpoint.regionID, try await q.region(id: region) == nil {
                    throw IdentityErrors.notFound("region", region)
                }
                try await q.insert(endpoint)
            }
            return respond(.created, "endpoint", wire.endpoint(endpoint))
        }
        router.get("/v3/endpoints") { request, context in
            let auth = try context.requireAuth()
            try policy.enforce("identity:list_endpoints", auth)
            let endpoints = try await manager.store.read { q in
                try await q.listEndpoints(
                    serviceID: request.query("service_id"), interface: request.query("interface"),
                    regionID: request.query("region_id"))
            }
            return try list("endpoints", endpoints.map(wire.endpoint), request: request, path: "/endpoints")
        }
        router.get("/v3/endpoints/{endpoint_id}") { _, context in
            let auth = try context.requireAuth()
            try policy.enforce("identity:get_endpoint", auth)
            let id = try context.parameters.require("endpoint_id")
            guard let endpoint = try await manager.store.read({ q in try await q.endpoint(id: id) }) else {
                throw IdentityErrors.notFound("endpoint", id)
            }
            return respond("endpoint", wire.endpoint(endpoint))
        }
        router.patch("/v3/endpoints/{endpoint_id}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            try policy.enforce("identity:update_endpoint", auth)
            let id = try context.parameters.require("endpoint_id")
            let fields = try JSONFields.require(try await request.jsonObject(context: context), "endpoint")
            let interface = try fields.string("interface")
            if let interface, !Self.endpointInterfaces.contains(interface) {
                throw APIError.badRequest("Invalid input for field 'interface': '\(interface)' is not one of public, internal, admin.")
            }
            let url = try fields.string("url", maxLength: 225)
            let serviceID = try fields.string("service_id")
            let regionID = try fields.string("region_id")
            let enabled = try fields.bool("enabled")
            let extra = fields.extra(excluding: ["id", "service_id", "interface", "region_id", "region", "url", "enabled", "links"])
            let endpoint = try await manager.store.write { q in
                guard var endpoint = try await q.endpoint(id: id) else { throw IdentityErrors.notFound("endpoint", id) }
                if let serviceID {
                    guard try await q.service(id: serviceID) != nil else { throw IdentityErrors.notFound("service", serviceID) }
                    endpoint.serviceID = serviceID
                }
                if fields.has("region_id") {
                    if let regionID, try await q.region(id: regionID) == nil { throw IdentityErrors.notFound("region", regionID) }
                    endpoint.regionID = regionID
                }
                if let interface { endpoint.interface = interface }
                if let url { endpoint.url = url }
                if let enabled { endpoint.enabled = enabled }
                endpoint.extra.merge(extra) { _, new in new }
                try await q.update(endpoint)
                return endpoint
            }
            return respond("endpoint", wire.endpoint(endpoint))
        }
        router.delete("/v3/endpoints/{endpoint_id}") { _, context in
            let auth = try context.requireAuth()
            try policy.enforce("identity:delete_endpoint", auth)
            let id = try context.parameters.require("endpoint_id")
            try await manager.store.write { q in
                guard try await q.endpoint(id: id) != nil else { throw IdentityErrors.notFound("endpoint", id) }
                try await q.delete(from: "endpoints", where: "id", id)
            }
            return JSONResponse.empty()
        }
    }
}

