import Foundation
import StratusKit

/// The service catalog as tokens carry it (`catalog` in the token body and
/// `GET /v3/auth/catalog`): enabled services with their enabled endpoints. Built once
/// per store generation. Endpoint URLs may hold Keystone's `$(project_id)s`,
/// `$(tenant_id)s` and `$(user_id)s`, filled in per token (Object Storage's
/// `…/v1/AUTH_$(project_id)s`); an endpoint whose variables the token cannot fill is left out.
final class CatalogProvider: Sendable {
    private let store: IdentityStore
    private let cached = GenerationCache<JSONValue>(limit: 1)

    init(store: IdentityStore) {
        self.store = store
    }

    func catalog(projectID: String?, userID: String) async throws -> JSONValue {
        let template = try await cached.value("catalog", generation: store.generation) { try await build() }
        guard template.serialized().contains(where: { $0 == UInt8(ascii: "$") }) else { return template }
        return Self.substitute(template, values: ["project_id": projectID, "tenant_id": projectID, "user_id": userID])
    }

    static func substitute(_ catalog: JSONValue, values: [String: String?]) -> JSONValue {
        .array((catalog.arrayValue ?? []).map { service in
            guard var entry = service.objectValue else { return service }
            entry["endpoints"] = .array((service["endpoints"]?.arrayValue ?? []).compactMap { endpoint in
                guard var fields = endpoint.objectValue, var url = endpoint["url"]?.stringValue else { return endpoint }
                for (name, value) in values where url.contains("$(\(name))s") {
                    guard let value else { return nil }
                    url = url.replacingOccurrences(of: "$(\(name))s", with: value)
                }
                fields["url"] = .string(url)
                return .object(fields)
            })
            return .object(entry)
        })
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
