import Hummingbird
import StratusKit

extension PlacementAPI {
    /// `POST /reshaper` (1.30): inventories and allocations changed atomically.
    func registerReshaper(on router: PlacementRouteTable) {
        router.post("/reshaper") { request, context in
            var request = request
            let auth = try context.requireAuth()
            try Self.require(context, 1, 30)
            let version = Self.version(context)
            let body = try await request.placementBody(context: context)
            try body.onlyAllow(["inventories", "allocations"])
            var inventories: [String: PlacementManager.ReshapedInventory] = [:]
            for (provider, value) in try body.object("inventories", required: true)! {
                guard let uuid = PlacementNames.uuid(provider), let fields = value.objectValue else {
                    throw PlacementErrors.invalidBody("'\(provider)' does not match any of the regexes: uuid")
                }
                let entry = PlacementBody(fields)
                try entry.onlyAllow(["resource_provider_generation", "inventories"])
                var records: [String: InventoryRecord] = [:]
                for (resourceClass, inventory) in try entry.object("inventories", required: true)! {
                    guard PlacementNames.isUpperName(resourceClass), let inventoryFields = inventory.objectValue else {
                        throw PlacementErrors.invalidBody("'\(resourceClass)' does not match any of the regexes: '^[A-Z0-9_]+$'")
                    }
                    let record = PlacementBody(inventoryFields)
                    try record.onlyAllow(Self.inventoryFields)
                    records[resourceClass] = try Self.inventory(record)
                }
                inventories[uuid] = .init(generation: try Self.generation(entry), inventories: records)
            }
            var allocations: [ConsumerAllocationRequest] = []
            for (consumer, value) in try body.object("allocations", required: true)!.sorted(by: { $0.key < $1.key }) {
                guard let fields = value.objectValue else { throw PlacementErrors.invalidBody("\(value.jsonText()) is not of type 'object'") }
                allocations.append(
                    try Self.consumerRequest(
                        PlacementBody(fields), consumer: try Self.consumerUUID(consumer), version: version, allowsEmpty: true))
            }
            try await manager.reshape(
                inventories: inventories, allocations: allocations, reservedMayEqualTotal: version.isAtLeast(1, 26), auth: auth)
            return JSONResponse.empty()
        }
    }
}
