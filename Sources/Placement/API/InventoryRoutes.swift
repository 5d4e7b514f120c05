import Hummingbird
import StratusKit

extension PlacementAPI {
    static let inventoryFields: Set<String> = [
        "total", "reserved", "min_unit", "max_unit", "step_size", "allocation_ratio",
    ]

    /// One inventory record of a request body, defaults filled in.
    static func inventory(_ body: PlacementBody) throws -> InventoryRecord {
        let max = InventoryRecord.maxInt
        var inventory = InventoryRecord(total: try body.int("total", minimum: 1, maximum: max, required: true)!)
        if let reserved = try body.int("reserved", minimum: 0, maximum: max) { inventory.reserved = reserved }
        if let minUnit = try body.int("min_unit", minimum: 1, maximum: max) { inventory.minUnit = minUnit }
        if let maxUnit = try body.int("max_unit", minimum: 1, maximum: max) { inventory.maxUnit = maxUnit }
        if let step = try body.int("step_size", minimum: 1, maximum: max) { inventory.stepSize = step }
        if let ratio = try body.number("allocation_ratio") {
            guard ratio <= 3.40282e38 else { throw PlacementErrors.invalidBody("\(ratio) is greater than the maximum of 3.40282e+38") }
            inventory.allocationRatio = ratio
        }
        return inventory
    }

    static func generation(_ body: PlacementBody) throws -> Int64 {
        try body.int("resource_provider_generation", required: true)!
    }

    static func resourceClassName(_ context: StratusRequestContext) throws -> String {
        try context.parameters.require("resource_class")
    }

    func registerInventories(on router: PlacementRouteTable) {
        let base = "/resource_providers/{uuid}/inventories"
        router.get(base) { _, context in
            let auth = try context.requireAuth()
            let (provider, inventories) = try await manager.inventories(of: try Self.providerUUID(context), auth: auth)
            return Self.respond(PlacementWire.inventories(inventories, generation: provider.generation), context)
        }
        router.put(base) { request, context in
            var request = request
            let auth = try context.requireAuth()
            let body = try await request.placementBody(context: context)
            try body.onlyAllow(["resource_provider_generation", "inventories"])
            let generation = try Self.generation(body)
            var inventories: [String: InventoryRecord] = [:]
            for (resourceClass, value) in try body.object("inventories", required: true)! {
                guard PlacementNames.isUpperName(resourceClass), let fields = value.objectValue else {
                    throw PlacementErrors.invalidBody("'\(resourceClass)' does not match any of the regexes: '^[A-Z0-9_]+$'")
                }
                let record = PlacementBody(fields)
                try record.onlyAllow(Self.inventoryFields.union(["resource_provider_generation"]))
                inventories[resourceClass] = try Self.inventory(record)
            }
            let (provider, stored) = try await manager.setInventories(
                of: try Self.providerUUID(context), inventories, generation: generation,
                reservedMayEqualTotal: Self.version(context).isAtLeast(1, 26), auth: auth)
            return Self.respond(PlacementWire.inventories(stored, generation: provider.generation), context)
        }
        router.post(base) { request, context in
            var request = request
            let auth = try context.requireAuth()
            let body = try await request.placementBody(context: context)
            try body.onlyAllow(Self.inventoryFields.union(["resource_class", "resource_provider_generation"]))
            let resourceClass = try body.string("resource_class", required: true)!
            guard PlacementNames.isUpperName(resourceClass) else {
                throw PlacementErrors.invalidBody("'\(resourceClass)' does not match '^[A-Z0-9_]+$'")
            }
            let uuid = try Self.providerUUID(context)
            let (provider, inventory) = try await manager.addInventory(
                of: uuid, resourceClass: resourceClass, try Self.inventory(body),
                reservedMayEqualTotal: Self.version(context).isAtLeast(1, 26), auth: auth)
            var json = PlacementWire.inventory(inventory)
            json["resource_provider_generation"] = .int(provider.generation)
            return Self.respond(
                .object(json), context, status: .created, headers: Self.location("/resource_providers/\(uuid)/inventories/\(resourceClass)"))
        }
        router.delete(base) { _, context in
            let auth = try context.requireAuth()
            try Self.require(context, 1, 5)
            try await manager.deleteInventory(of: try Self.providerUUID(context), resourceClass: nil, auth: auth)
            return JSONResponse.empty()
        }
        router.get(base + "/{resource_class}") { _, context in
            let auth = try context.requireAuth()
            let (provider, inventory) = try await manager.inventory(
                of: try Self.providerUUID(context), resourceClass: try Self.resourceClassName(context), auth: auth)
            var json = PlacementWire.inventory(inventory)
            json["resource_provider_generation"] = .int(provider.generation)
            return Self.respond(.object(json), context)
        }
        router.put(base + "/{resource_class}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let body = try await request.placementBody(context: context)
            try body.onlyAllow(Self.inventoryFields.union(["resource_provider_generation"]))
            let (provider, inventory) = try await manager.updateInventory(
                of: try Self.providerUUID(context), resourceClass: try Self.resourceClassName(context), try Self.inventory(body),
                generation: try Self.generation(body), reservedMayEqualTotal: Self.version(context).isAtLeast(1, 26),
                auth: auth)
            var json = PlacementWire.inventory(inventory)
            json["resource_provider_generation"] = .int(provider.generation)
            return Self.respond(.object(json), context)
        }
        router.delete(base + "/{resource_class}") { _, context in
            let auth = try context.requireAuth()
            try await manager.deleteInventory(
                of: try Self.providerUUID(context), resourceClass: try Self.resourceClassName(context), auth: auth)
            return JSONResponse.empty()
        }
    }
}
