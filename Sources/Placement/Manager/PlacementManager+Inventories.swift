import StratusKit

extension PlacementManager {
    func inventories(of uuid: String, auth: AuthContext) async throws -> (ProviderRecord, [String: InventoryRecord]) {
        try policy.enforce("placement:resource_providers:inventories:list", auth)
        return try await read { q in
            let provider = try await self.existingProvider(uuid, in: q)
            return (provider, try await q.inventories(of: [uuid])[uuid] ?? [:])
        }
    }

    func inventory(of uuid: String, resourceClass: String, auth: AuthContext) async throws -> (ProviderRecord, InventoryRecord) {
        try policy.enforce("placement:resource_providers:inventories:show", auth)
        return try await read { q in
            let provider = try await self.existingProvider(uuid, in: q)
            guard let inventory = try await q.inventories(of: [uuid])[uuid]?[resourceClass] else {
                throw PlacementErrors.notFound("No inventory of class \(resourceClass) for \(uuid)")
            }
            return (provider, inventory)
        }
    }

    /// Replaces the provider's whole inventory when `generation` is current. A class that
    /// has allocations cannot be removed (409 `placement.inventory.inuse`).
    func setInventories(
        of uuid: String, _ inventories: [String: InventoryRecord], generation: Int64, reservedMayEqualTotal: Bool,
        auth: AuthContext
    ) async throws -> (ProviderRecord, [String: InventoryRecord]) {
        try policy.enforce("placement:resource_providers:inventories:update", auth)
        return try await write { q in
            try await self.changeInventories(of: uuid, generation: generation, in: q) { _ in
                try await self.validate(inventories, of: uuid, reservedMayEqualTotal: reservedMayEqualTotal, in: q)
                return inventories
            }
        }
    }

    /// Adds one class's inventory (the older POST form); 409 if it exists already.
    func addInventory(
        of uuid: String, resourceClass: String, _ inventory: InventoryRecord, reservedMayEqualTotal: Bool, auth: AuthContext
    ) async throws -> (ProviderRecord, InventoryRecord) {
        try policy.enforce("placement:resource_providers:inventories:create", auth)
        return try await write { q in
            let provider = try await self.existingProvider(uuid, in: q)
            let (updated, _) = try await self.changeInventories(of: uuid, generation: provider.generation, in: q) { current in
                if current[resourceClass] != nil {
                    throw PlacementErrors.conflict(
                        "Update conflict: Inventory for '\(resourceClass)' on resource provider '\(uuid)' already exists.",
                        code: PlacementErrors.concurrentUpdate)
                }
                try await self.validate(
                    [resourceClass: inventory], of: uuid, reservedMayEqualTotal: reservedMayEqualTotal, action: "create", in: q)
                return current.merging([resourceClass: inventory]) { _, new in new }
            }
            return (updated, inventory)
        }
    }

    /// Changes one class's inventory; the class must already be there.
    func updateInventory(
        of uuid: String, resourceClass: String, _ inventory: InventoryRecord, generation: Int64,
        reservedMayEqualTotal: Bool, auth: AuthContext
    ) async throws -> (ProviderRecord, InventoryRecord) {
        try policy.enforce("placement:resource_providers:inventories:update", auth)
        return try await write { q in
            let (updated, _) = try await self.changeInventories(of: uuid, generation: generation, in: q) { current in
                guard current[resourceClass] != nil else {
                    throw PlacementErrors.badRequest(
                        "No inventory record with resource class for resource provider \(uuid): \(resourceClass)")
                }
                try await self.validate([resourceClass: inventory], of: uuid, reservedMayEqualTotal: reservedMayEqualTotal, in: q)
                return current.merging([resourceClass: inventory]) { _, new in new }
            }
            return (updated, inventory)
        }
    }

    /// Removes one class's inventory (404 when absent), or all of it when `resourceClass` is nil.
    func deleteInventory(of uuid: String, resourceClass: String?, generation: Int64? = nil, auth: AuthContext) async throws {
        try policy.enforce("placement:resource_providers:inventories:delete", auth)
        try await write { q in
            let provider = try await self.existingProvider(uuid, in: q)
            _ = try await self.changeInventories(of: uuid, generation: generation ?? provider.generation, in: q) { current in
                guard let resourceClass else { return [:] }
                guard current[resourceClass] != nil else {
                    throw PlacementErrors.notFound(
                        "No inventory of class \(resourceClass) found for delete: No inventory of class \(resourceClass) for \(uuid)")
                }
                return current.filter { $0.key != resourceClass }
            }
        }
    }

    /// The common path of every inventory change: lock, check the generation, compute the
    /// new set, refuse to drop classes in use, store, bump the generation.
    private func changeInventories(
        of uuid: String, generation: Int64, in q: PlacementQueries,
        _ change: ([String: InventoryRecord]) async throws -> [String: InventoryRecord]
    ) async throws -> (ProviderRecord, [String: InventoryRecord]) {
        try await q.lockProviders([uuid])
        var provider = try await existingProvider(uuid, in: q)
        try Self.requireGeneration(generation, of: provider)
        let current = try await q.inventories(of: [uuid])[uuid] ?? [:]
        let updated = try await change(current)
        let usages = try await q.usages(of: [uuid])[uuid] ?? [:]
        for (resourceClass, used) in usages.sorted(by: { $0.key < $1.key }) where used > 0 && updated[resourceClass] == nil {
            throw PlacementErrors.conflict(
                "update conflict: Inventory for '\(resourceClass)' on resource provider '\(uuid)' in use.",
                code: PlacementErrors.inventoryInUse)
        }
        try await q.replaceInventories(of: uuid, with: updated)
        try await q.bumpGenerations([uuid])
        provider.generation += 1
        return (provider, updated)
    }

    /// 400 for unknown classes and inconsistent records; `action` names the request in the
    /// message ("Unable to create inventory …", "Unable to update inventory …").
    func validate(
        _ inventories: [String: InventoryRecord], of uuid: String, reservedMayEqualTotal: Bool, action: String = "update",
        in q: PlacementQueries
    ) async throws {
        let unknown = try await unknownResourceClasses(inventories.keys, in: q)
        if let first = unknown.first {
            throw PlacementErrors.badRequest(
                "Unknown resource class in inventory for resource provider \(uuid): No such resource class \(first).")
        }
        for (resourceClass, inventory) in inventories.sorted(by: { $0.key < $1.key }) {
            let refused = reservedMayEqualTotal ? inventory.reserved > inventory.total : inventory.reserved >= inventory.total
            if refused {
                throw PlacementErrors.badRequest(
                    "Unable to \(action) inventory for resource provider \(uuid): Invalid inventory for '\(resourceClass)' on resource provider '\(uuid)'. The reserved value is greater than\(reservedMayEqualTotal ? "" : " or equal to") total.")
            }
            if inventory.minUnit > inventory.maxUnit {
                throw PlacementErrors.badRequest(
                    "Unable to \(action) inventory for resource provider \(uuid): Invalid inventory for '\(resourceClass)': min_unit is greater than max_unit.")
            }
            guard inventory.allocationRatio > 0 else {
                throw PlacementErrors.badRequest(
                    "Bad inventory \(resourceClass) for resource provider \(uuid): allocation_ratio must be greater than zero")
            }
        }
    }
}
