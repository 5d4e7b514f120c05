import Hummingbird
import StratusKit

extension PlacementAPI {
    /// `{"resources": {"VCPU": 1}}`-style amounts: at least one class, each at least 1.
    static func amounts(_ value: JSONValue?) throws -> [String: Int64] {
        guard let object = value?.objectValue else { throw PlacementErrors.invalidBody("'resources' is a required property") }
        guard !object.isEmpty else { throw PlacementErrors.invalidBody("{} does not have enough properties") }
        var result: [String: Int64] = [:]
        for (resourceClass, amount) in object {
            guard PlacementNames.isUpperName(resourceClass) else {
                throw PlacementErrors.invalidBody("'\(resourceClass)' does not match any of the regexes: '^[A-Z0-9_]+$'")
            }
            result[resourceClass] = try PlacementBody.integer(amount, minimum: 1, maximum: InventoryRecord.maxInt)
        }
        return result
    }

    /// One consumer's allocation request in the shape of the request's microversion.
    static func consumerRequest(_ body: PlacementBody, consumer: String, version: Microversion, allowsEmpty: Bool) throws
        -> ConsumerAllocationRequest
    {
        var allowed: Set<String> = ["allocations"]
        if version.isAtLeast(1, 8) { allowed.formUnion(["project_id", "user_id"]) }
        if version.isAtLeast(1, 28) { allowed.insert("consumer_generation") }
        if version.isAtLeast(1, 38) { allowed.insert("consumer_type") }
        try body.onlyAllow(allowed)
        var allocations: [String: [String: Int64]] = [:]
        let value = try body.require("allocations")
        if version.isAtLeast(1, 12) {
            guard let object = value.objectValue else { throw PlacementErrors.invalidBody("\(value.jsonText()) is not of type 'object'") }
            if object.isEmpty, !allowsEmpty { throw PlacementErrors.invalidBody("{} does not have enough properties") }
            for (provider, entry) in object {
                guard let uuid = PlacementNames.uuid(provider), let fields = entry.objectValue else {
                    throw PlacementErrors.invalidBody("'\(provider)' does not match any of the regexes: uuid")
                }
                try PlacementBody(fields).onlyAllow(["resources", "generation"])
                allocations[uuid] = try amounts(fields["resources"])
            }
        } else {
            guard let items = value.arrayValue else { throw PlacementErrors.invalidBody("\(value.jsonText()) is not of type 'array'") }
            guard !items.isEmpty else { throw PlacementErrors.invalidBody("[] is too short") }
            for item in items {
                guard let fields = item.objectValue, let provider = fields["resource_provider"]?["uuid"]?.stringValue,
                    let uuid = PlacementNames.uuid(provider)
                else { throw PlacementErrors.invalidBody("'resource_provider' is a required property") }
                allocations[uuid, default: [:]].merge(try amounts(fields["resources"])) { $0 + $1 }
            }
        }
        let required = version.isAtLeast(1, 8)
        var request = ConsumerAllocationRequest(
            consumerUUID: consumer, allocations: allocations,
            projectID: try body.string("project_id", required: required), userID: try body.string("user_id", required: required))
        if version.isAtLeast(1, 28) {
            let generation = try body.require("consumer_generation")
            request.generation = generation.isNull ? .new : .generation(try PlacementBody.integer(generation))
        }
        if version.isAtLeast(1, 38) {
            let type = try body.string("consumer_type", required: true)!
            guard PlacementNames.isUpperName(type) else { throw PlacementErrors.invalidBody("'\(type)' does not match '^[A-Z0-9_]+$'") }
            request.consumerType = type
        }
        return request
    }

    static func consumerUUID(_ text: String) throws -> String {
        guard let uuid = PlacementNames.uuid(text) else { throw PlacementErrors.badRequest("Malformed consumer_uuid: \(text)") }
        return uuid
    }

    func registerAllocations(on router: PlacementRouteTable) {
        router.get("/allocations/{consumer_uuid}") { _, context in
            let auth = try context.requireAuth()
            let version = Self.version(context)
            let text = try context.parameters.require("consumer_uuid")
            let uuid = PlacementNames.uuid(text) ?? text
            let (consumer, allocations, providers) = try await manager.consumerAllocations(uuid, auth: auth)
            var byProvider: [String: [String: Int64]] = [:]
            for allocation in allocations { byProvider[allocation.providerUUID, default: [:]][allocation.resourceClass] = allocation.used }
            var body: [String: JSONValue] = [
                "allocations": .object(
                    byProvider.reduce(into: [:]) { result, entry in
                        result[entry.key] = [
                            "generation": .int(providers[entry.key]?.generation ?? 0), "resources": PlacementWire.resources(entry.value),
                        ]
                    })
            ]
            if let consumer, version.isAtLeast(1, 12) {
                body["project_id"] = .string(consumer.projectID)
                body["user_id"] = .string(consumer.userID)
                if version.isAtLeast(1, 28) { body["consumer_generation"] = .int(consumer.generation) }
                if version.isAtLeast(1, 38) { body["consumer_type"] = .string(consumer.consumerType ?? "unknown") }
            }
            return Self.respond(.object(body), context)
        }
        router.put("/allocations/{consumer_uuid}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let version = Self.version(context)
            let uuid = try Self.consumerUUID(try context.parameters.require("consumer_uuid"))
            let body = try await request.placementBody(context: context)
            let allocation = try Self.consumerRequest(body, consumer: uuid, version: version, allowsEmpty: version.isAtLeast(1, 28))
            try await manager.setAllocations([allocation], auth: auth, rule: "placement:allocations:update")
            return JSONResponse.empty()
        }
        router.post("/allocations") { request, context in
            var request = request
            let auth = try context.requireAuth()
            try Self.require(context, 1, 13)
            let version = Self.version(context)
            let body = try await request.placementBody(context: context)
            guard !body.object.isEmpty else { throw PlacementErrors.invalidBody("{} does not have enough properties") }
            var requests: [ConsumerAllocationRequest] = []
            for (consumer, value) in body.object.sorted(by: { $0.key < $1.key }) {
                guard let fields = value.objectValue else { throw PlacementErrors.invalidBody("\(value.jsonText()) is not of type 'object'") }
                requests.append(
                    try Self.consumerRequest(
                        PlacementBody(fields), consumer: try Self.consumerUUID(consumer), version: version, allowsEmpty: true))
            }
            try await manager.setAllocations(requests, auth: auth, rule: "placement:allocations:manage")
            return JSONResponse.empty()
        }
        router.delete("/allocations/{consumer_uuid}") { _, context in
            let auth = try context.requireAuth()
            let text = try context.parameters.require("consumer_uuid")
            try await manager.deleteAllocations(PlacementNames.uuid(text) ?? text, auth: auth)
            return JSONResponse.empty()
        }
        router.get("/resource_providers/{uuid}/allocations") { _, context in
            let auth = try context.requireAuth()
            let (provider, allocations) = try await manager.providerAllocations(try Self.providerUUID(context), auth: auth)
            var byConsumer: [String: [String: Int64]] = [:]
            for allocation in allocations { byConsumer[allocation.consumerUUID, default: [:]][allocation.resourceClass] = allocation.used }
            return Self.respond(
                [
                    "allocations": .object(byConsumer.mapValues { ["resources": PlacementWire.resources($0)] }),
                    "resource_provider_generation": .int(provider.generation),
                ], context)
        }
    }
}
