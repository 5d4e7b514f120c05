import StratusKit

extension PlacementManager {
    /// One provider's new inventory in a reshape, with the generation the caller saw.
    struct ReshapedInventory: Sendable {
        var generation: Int64
        var inventories: [String: InventoryRecord]
    }

    /// Moves inventories and allocations together in one transaction (as when a class moves
    /// from a compute node to a new child provider): every provider's inventory is replaced,
    /// then every consumer's allocations; only the end state must be consistent (every
    /// allocation backed by inventory, within capacity).
    func reshape(
        inventories: [String: ReshapedInventory], allocations: [ConsumerAllocationRequest], reservedMayEqualTotal: Bool,
        auth: AuthContext
    ) async throws {
        try policy.enforce("placement:reshaper:reshape", auth)
        try await write { q in
            let providers = inventories.keys.sorted()
            try await q.lockProviders(Set(providers))
            for uuid in providers {
                let reshaped = inventories[uuid]!
                guard let provider = try await q.provider(uuid: uuid) else {
                    throw PlacementErrors.badRequest("Resource provider \(uuid) in inventories not found")
                }
                try Self.requireGeneration(reshaped.generation, of: provider)
                try await self.validate(reshaped.inventories, of: uuid, reservedMayEqualTotal: reservedMayEqualTotal, in: q)
                try await q.replaceInventories(of: uuid, with: reshaped.inventories)
            }
            try await q.bumpGenerations(providers)
            try await self.replaceAllocations(allocations, in: q)
            let stored = try await q.inventories(of: providers)
            for (uuid, usages) in try await q.usages(of: providers).sorted(by: { $0.key < $1.key }) {
                for (resourceClass, used) in usages.sorted(by: { $0.key < $1.key }) where used > 0 {
                    guard let inventory = stored[uuid]?[resourceClass] else {
                        throw PlacementErrors.conflict(
                            "update conflict: Inventory for '\(resourceClass)' on resource provider '\(uuid)' in use.",
                            code: PlacementErrors.inventoryInUse)
                    }
                    guard used <= inventory.capacity else {
                        throw PlacementErrors.conflict(
                            "Unable to allocate inventory: Unable to create allocation for '\(resourceClass)' on resource provider '\(uuid)'. The requested amount would exceed the capacity.")
                    }
                }
            }
        }
    }
}
