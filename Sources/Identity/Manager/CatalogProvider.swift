import StratusKit

/// The service catalog as tokens carry it (`catalog` in the token body and
/// `GET /v3/auth/catalog`): enabled services with their enabled endpoints. Built once
/// per store generation.
final class CatalogProvider: Sendable {
    private let store: IdentityStore
    private let cached = GenerationCache<JSONValue>(limit: 1)

    init(store: IdentityStore) {
        self.store = store
    }

    func catalog() async throws -> JSONValue {
        try await cached.value("catalog", generation: store.generation) { try await build() }
    }

    private func build() async throws -> JSONValue {
        let (services, endpoints, regions) = try await store.read { q in
            (
                try await q.listServices(type: nil), try await q.listEndpoints(serviceID: nil, interface: nil, regionID: nil),
                try await q.listRegions(parentRegionID: nil)
            )
        }
        let regionIDs = Set(regions.map(\.id))
        let byService = Dictionary(grouping: endpoints.filter(\.enabled), by: \.serviceID)
        let entries: [JSONValue] = services.filter(\.enabled).map { service in
            let serviceEndpoints: [JSONValue] = (byService[service.id] ?? []).map { endpoint in
                let region: JSONValue = endpoint.regionID.flatMap { regionIDs.contains($0) ? .string($0) : nil } ?? .null
                return [
                    "id": .string(endpoint.id), "interface": .string(endpoint.interface), "region": region,
                    "region_id": region, "url": .string(endpoint.url),
                ]
            }
            return [
                "endpoints": .array(serviceEndpoints), "id": .string(service.id), "type": .string(service.type),
                "name": .optional(service.name),
            ]
        }
        return JSONValue.array(entries)
    }
}
