import StratusKit

/// The JSON shapes of Placement's resources, by microversion.
enum PlacementWire {
    static func provider(_ provider: ProviderRecord, version: Microversion) -> JSONValue {
        let base = "/resource_providers/\(provider.uuid)"
        var links: [JSONValue] = [
            ["rel": "self", "href": .string(base)],
            ["rel": "inventories", "href": .string(base + "/inventories")],
            ["rel": "usages", "href": .string(base + "/usages")],
        ]
        if version.isAtLeast(1, 1) { links.append(["rel": "aggregates", "href": .string(base + "/aggregates")]) }
        if version.isAtLeast(1, 6) { links.append(["rel": "traits", "href": .string(base + "/traits")]) }
        if version.isAtLeast(1, 11) { links.append(["rel": "allocations", "href": .string(base + "/allocations")]) }
        var body: [String: JSONValue] = [
            "uuid": .string(provider.uuid), "name": .string(provider.name), "generation": .int(provider.generation),
            "links": .array(links),
        ]
        if version.isAtLeast(1, 14) {
            body["parent_provider_uuid"] = .optional(provider.parentUUID)
            body["root_provider_uuid"] = .string(provider.rootUUID)
        }
        return .object(body)
    }

    static func inventory(_ inventory: InventoryRecord) -> [String: JSONValue] {
        [
            "total": .int(inventory.total), "reserved": .int(inventory.reserved), "min_unit": .int(inventory.minUnit),
            "max_unit": .int(inventory.maxUnit), "step_size": .int(inventory.stepSize),
            "allocation_ratio": .double(inventory.allocationRatio),
        ]
    }

    static func inventories(_ inventories: [String: InventoryRecord], generation: Int64) -> JSONValue {
        [
            "inventories": .object(inventories.mapValues { .object(inventory($0)) }),
            "resource_provider_generation": .int(generation),
        ]
    }

    static func resourceClass(_ name: String) -> JSONValue {
        ["name": .string(name), "links": [["rel": "self", "href": .string("/resource_classes/\(name)")]]]
    }

    static func resources(_ resources: [String: Int64]) -> JSONValue {
        .object(resources.mapValues { .int($0) })
    }
}
