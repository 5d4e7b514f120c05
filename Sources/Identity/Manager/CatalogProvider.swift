import Foundation
import NIOCore
import StratusKit

/// The service catalog as tokens carry it (`catalog` in the token body and
/// `GET /v3/auth/catalog`): enabled services with their enabled endpoints. Built once
/// per store generation. Endpoint URLs may hold Keystone's `$(project_id)s`,
/// `$(tenant_id)s` and `$(user_id)s`, filled in per token (Object Storage's
/// `…/v1/AUTH_$(project_id)s`); an endpoint whose variables the token cannot fill is left out.
final class CatalogProvider: Sendable {
    /// The catalog of one token: the value and its JSON encoding, made once per project and
    /// user between writes, so a token issue or validation splices bytes instead of rebuilding it.
    struct Rendered: Sendable {
        let value: JSONValue
        let json: ByteBuffer
    }

    private struct Template: Sendable {
        let catalog: JSONValue
        /// Whether any endpoint URL holds a `$(…)s` variable to fill in per token.
        let hasVariables: Bool
    }

    private let store: IdentityStore
    private let templates = GenerationCache<Template>(limit: 1)
    private let rendered = GenerationCache<Rendered>(limit: 4096)

    init(store: IdentityStore) {
        self.store = store
    }

    func catalog(projectID: String?, userID: String) async throws -> JSONValue {
        try await rendering(projectID: projectID, userID: userID).value
    }

    func rendering(projectID: String?, userID: String) async throws -> Rendered {
        let generation = store.generation
        let template = try await templates.value("catalog", generation: generation) {
            let catalog = try await build()
            return Template(catalog: catalog, hasVariables: catalog.serialized().contains(UInt8(ascii: "$")))
        }
        let key = template.hasVariables ? "\(projectID ?? "")|\(userID)" : ""
        return try await rendered.value(key, generation: generation) {
            let value = template.hasVariables
                ? Self.substitute(template.catalog, values: ["project_id": projectID, "tenant_id": projectID, "user_id": userID])
                : template.catalog
            return Rendered(value: value, json: ByteBuffer(bytes: value.serialized()))
        }
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
