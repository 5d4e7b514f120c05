import Hummingbird
import StratusKit

extension PlacementAPI {
    func registerResourceClasses(on router: PlacementRouteTable) {
        router.get("/resource_classes") { _, context in
            let auth = try context.requireAuth()
            try Self.require(context, 1, 2)
            let names = try await manager.resourceClasses(auth: auth)
            return Self.respond(["resource_classes": .array(names.map(PlacementWire.resourceClass))], context)
        }
        router.post("/resource_classes") { request, context in
            var request = request
            let auth = try context.requireAuth()
            try Self.require(context, 1, 2)
            let body = try await request.placementBody(context: context)
            try body.onlyAllow(["name"])
            let name = try body.string("name", required: true)!
            try await manager.createResourceClass(name, conflictIfExists: true, auth: auth)
            return JSONResponse.empty(.created, headers: Self.location("/resource_classes/\(name)"))
        }
        router.get("/resource_classes/{name}") { _, context in
            let auth = try context.requireAuth()
            try Self.require(context, 1, 2)
            let name = try context.parameters.require("name")
            try await manager.requireResourceClass(name, auth: auth)
            return Self.respond(PlacementWire.resourceClass(name), context)
        }
        router.put("/resource_classes/{name}") { _, context in
            let auth = try context.requireAuth()
            try Self.require(context, 1, 7)
            let name = try context.parameters.require("name")
            let created = try await manager.createResourceClass(name, conflictIfExists: false, auth: auth)
            return JSONResponse.empty(created ? .created : .noContent, headers: Self.location("/resource_classes/\(name)"))
        }
        router.delete("/resource_classes/{name}") { _, context in
            let auth = try context.requireAuth()
            try Self.require(context, 1, 2)
            try await manager.deleteResourceClass(try context.parameters.require("name"), auth: auth)
            return JSONResponse.empty()
        }
    }
}
