import Hummingbird
import StratusKit

extension PlacementAPI {
    func registerAggregates(on router: PlacementRouteTable) {
        let path = "/resource_providers/{uuid}/aggregates"
        router.get(path) { _, context in
            let auth = try context.requireAuth()
            try Self.require(context, 1, 1)
            let (provider, aggregates) = try await manager.providerAggregates(try Self.providerUUID(context), auth: auth)
            return Self.respond(Self.aggregatesBody(aggregates, provider, context), context)
        }
        router.put(path) { request, context in
            var request = request
            let auth = try context.requireAuth()
            try Self.require(context, 1, 1)
            let value = try await request.jsonValue(context: context)
            let list: [String]
            var generation: Int64?
            if Self.version(context).isAtLeast(1, 19) {
                guard let object = value.objectValue else {
                    throw PlacementErrors.invalidBody("\(value.jsonText()) is not of type 'object'")
                }
                let body = PlacementBody(object)
                try body.onlyAllow(["aggregates", "resource_provider_generation"])
                list = try body.strings("aggregates", required: true)!
                generation = try Self.generation(body)
            } else {
                list = try PlacementBody.strings(value)
            }
            var aggregates: Set<String> = []
            for item in list {
                guard let uuid = PlacementNames.uuid(item) else { throw PlacementErrors.invalidBody("'\(item)' is not a 'uuid'") }
                guard aggregates.insert(uuid).inserted else {
                    throw PlacementErrors.invalidBody("\(value.jsonText()) has non-unique elements")
                }
            }
            let (provider, stored) = try await manager.setProviderAggregates(
                try Self.providerUUID(context), aggregates, generation: generation, auth: auth)
            return Self.respond(Self.aggregatesBody(stored, provider, context), context)
        }
    }

    static func aggregatesBody(_ aggregates: Set<String>, _ provider: ProviderRecord, _ context: StratusRequestContext) -> JSONValue {
        var body: [String: JSONValue] = ["aggregates": .array(aggregates.sorted().map { .string($0) })]
        if version(context).isAtLeast(1, 19) { body["resource_provider_generation"] = .int(provider.generation) }
        return .object(body)
    }
}
