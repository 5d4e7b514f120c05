import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

/// The Neutron v2.0 routes. Each file of this folder registers one resource's routes.
struct NetworkAPI: Sendable {
    let manager: NetworkManager
    /// `http://127.0.0.1:9696`: where the API is served.
    let publicURL: String

    var policy: NetworkPolicy { manager.policy }

    func register(on router: Router<StratusRequestContext>) {
        registerDiscovery(on: router)
        registerNetworks(on: router)
        registerSubnets(on: router)
        registerPorts(on: router)
        registerTags(on: router)
        registerSecurityGroups(on: router)
        registerRouters(on: router)
        registerFloatingIPs(on: router)
        registerQuotas(on: router)
        registerRBACPolicies(on: router)
        registerAvailability(on: router)
        registerSubnetPools(on: router)
        registerAgents(on: router)
        registerAddressGroups(on: router)
    }

    /// `{"<key>": <value>}` with the given status.
    func respond(_ status: HTTPResponse.Status, _ key: String, _ value: JSONValue) -> Response {
        JSONResponse.make(status, .object([key: value]))
    }

    func respond(_ key: String, _ value: JSONValue) -> Response { respond(.ok, key, value) }

    /// The request body's `{"<key>": {...}}` object, refusing attributes the resource
    /// does not have, as Neutron does.
    static func body(_ body: [String: JSONValue], _ key: String, allowed: Set<String>) throws -> JSONFields {
        guard let inner = body[key]?.objectValue else {
            throw NetworkErrors.badRequest("request", "Resource body required")
        }
        let unknown = inner.keys.filter { !allowed.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw APIError(
                .badRequest, "Unrecognized attribute(s) '\(unknown.joined(separator: ", "))'", type: "HTTPBadRequest")
        }
        return JSONFields(inner, name: key)
    }

    static let standardAttributes: Set<String> = ["name", "description", "project_id", "tenant_id", "tags"]

    /// `project_id` or its older name `tenant_id`.
    static func projectID(_ fields: JSONFields) throws -> String? {
        try fields.string("project_id") ?? fields.string("tenant_id")
    }

    static func int(_ fields: JSONFields, _ key: String) throws -> Int64? {
        guard let value = fields.object[key], !value.isNull else { return nil }
        if let number = value.intValue { return number }
        if let text = value.stringValue, let number = Int64(text) { return number }
        throw NetworkErrors.invalidInput("'\(value.jsonText())' is not an integer")
    }
}

extension Request {
    /// `If-Match: revision_number=N`: the revision an update requires the resource to have.
    func expectedRevision() throws -> Int64? {
        guard let header = headers[.ifMatch] else { return nil }
        for item in header.split(separator: ",") {
            let parts = item.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0] == "revision_number" else { continue }
            guard let revision = Int64(parts[1]) else {
                throw NetworkErrors.badRequest("request", "If-Match header revision_number must be an integer")
            }
            return revision
        }
        return nil
    }
}
