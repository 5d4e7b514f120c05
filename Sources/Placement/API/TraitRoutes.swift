import Hummingbird
import StratusKit

extension PlacementAPI {
    func registerTraits(on router: PlacementRouteTable) {
        router.get("/traits") { request, context in
            let auth = try context.requireAuth()
            try Self.require(context, 1, 6)
            try PlacementQuery.onlyAllow(request) { ["name", "associated"].contains($0) }
            var prefix: String?
            var names: Set<String>?
            if let filter = request.query("name") {
                if filter.hasPrefix("startswith:") {
                    prefix = String(filter.dropFirst("startswith:".count))
                } else if filter.hasPrefix("in:") {
                    names = Set(filter.dropFirst(3).split(separator: ",").map(String.init))
                } else {
                    throw PlacementErrors.badRequest(
                        "Badly formatted name parameter. Expected name query string parameter in form: ?name=[in|startswith]:[name1,name2|prefix]. Got: \"\(filter)\"")
                }
            }
            var associated: Bool?
            if let flag = request.query("associated") {
                switch flag.lowercased() {
                case "true": associated = true
                case "false": associated = false
                default: throw PlacementErrors.badRequest("The query parameter \"associated\" only accepts \"true\" or \"false\"")
                }
            }
            let traits = try await manager.traits(namePrefix: prefix, names: names, associated: associated, auth: auth)
            return Self.respond(["traits": .array(traits.map { .string($0) })], context)
        }
        router.get("/traits/{name}") { _, context in
            let auth = try context.requireAuth()
            try Self.require(context, 1, 6)
            try await manager.requireTrait(try context.parameters.require("name"), auth: auth)
            return JSONResponse.empty()
        }
        router.put("/traits/{name}") { _, context in
            let auth = try context.requireAuth()
            try Self.require(context, 1, 6)
            let name = try context.parameters.require("name")
            let created = try await manager.createTrait(name, auth: auth)
            return JSONResponse.empty(created ? .created : .noContent, headers: Self.location("/traits/\(name)"))
        }
        router.delete("/traits/{name}") { _, context in
            let auth = try context.requireAuth()
            try Self.require(context, 1, 6)
            try await manager.deleteTrait(try context.parameters.require("name"), auth: auth)
            return JSONResponse.empty()
        }

        let providerTraits = "/resource_providers/{uuid}/traits"
        router.get(providerTraits) { _, context in
            let auth = try context.requireAuth()
            try Self.require(context, 1, 6)
            let (provider, traits) = try await manager.providerTraits(try Self.providerUUID(context), auth: auth)
            return Self.respond(Self.traitsBody(traits, provider), context)
        }
        router.put(providerTraits) { request, context in
            var request = request
            let auth = try context.requireAuth()
            try Self.require(context, 1, 6)
            let body = try await request.placementBody(context: context)
            try body.onlyAllow(["traits", "resource_provider_generation"])
            let traits = try body.strings("traits", required: true)!
            let generation = try Self.generation(body)
            let (provider, stored) = try await manager.setProviderTraits(
                try Self.providerUUID(context), Set(traits), generation: generation, auth: auth)
            return Self.respond(Self.traitsBody(stored, provider), context)
        }
        router.delete(providerTraits) { _, context in
            let auth = try context.requireAuth()
            try Self.require(context, 1, 6)
            _ = try await manager.setProviderTraits(try Self.providerUUID(context), [], generation: nil, auth: auth)
            return JSONResponse.empty()
        }
    }

    static func traitsBody(_ traits: Set<String>, _ provider: ProviderRecord) -> JSONValue {
        ["traits": .array(traits.sorted().map { .string($0) }), "resource_provider_generation": .int(provider.generation)]
    }
}
