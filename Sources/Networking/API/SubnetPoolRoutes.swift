import Hummingbird
import StratusKit

extension NetworkAPI {
    static let subnetPoolAttributes: Set<String> = standardAttributes.union([
        "prefixes", "default_prefixlen", "min_prefixlen", "max_prefixlen", "is_default", "shared", "address_scope_id",
        "default_quota",
    ])

    static func subnetPoolBody(_ pool: SubnetPoolRecord) -> JSONValue {
        var body: [String: JSONValue] = [
            "id": .string(pool.id), "name": .string(pool.name), "ip_version": .int(Int64(pool.ipVersion)),
            "prefixes": .array(pool.prefixes.map(JSONValue.string)), "default_prefixlen": .int(Int64(pool.defaultPrefixLength)),
            "min_prefixlen": .int(Int64(pool.minPrefixLength)), "max_prefixlen": .int(Int64(pool.maxPrefixLength)),
            "is_default": .bool(pool.isDefault), "shared": .bool(pool.shared), "address_scope_id": .null, "default_quota": .null,
        ]
        NetworkWire.standard(&body, pool.standard, projectID: pool.projectID)
        return .object(body)
    }

    static func subnetPoolRequest(_ fields: JSONFields) throws -> NetworkManager.SubnetPoolRequest {
        NetworkManager.SubnetPoolRequest(
            projectID: try projectID(fields), name: try fields.string("name"),
            description: try fields.string("description"), prefixes: try fields.stringArray("prefixes"),
            defaultPrefixLength: try int(fields, "default_prefixlen").map(Int.init),
            minPrefixLength: try int(fields, "min_prefixlen").map(Int.init),
            maxPrefixLength: try int(fields, "max_prefixlen").map(Int.init), isDefault: try fields.bool("is_default"),
            shared: try fields.bool("shared"), tags: try fields.stringArray("tags"))
    }

    func registerSubnetPools(on router: Router<StratusRequestContext>) {
        router.post("/v2.0/subnetpools") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try Self.body(try await request.jsonObject(context: context), "subnetpool", allowed: Self.subnetPoolAttributes)
            let pool = try await manager.createSubnetPool(try Self.subnetPoolRequest(fields), auth: auth)
            return respond(.created, "subnetpool", Self.subnetPoolBody(pool))
        }
        router.put("/v2.0/subnetpools/{subnetpool_id}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try Self.body(
                try await request.jsonObject(context: context), "subnetpool", allowed: Self.subnetPoolAttributes.subtracting(["shared", "project_id", "tenant_id"]))
            let pool = try await manager.updateSubnetPool(
                try context.parameters.require("subnetpool_id"), try Self.subnetPoolRequest(fields),
                expectedRevision: try request.expectedRevision(), auth: auth)
            return respond("subnetpool", Self.subnetPoolBody(pool))
        }
        router.get("/v2.0/subnetpools") { request, context in
            let auth = try context.requireAuth()
            let pools = try await manager.listSubnetPools(auth: auth)
            return try NeutronList(request: request).respond(
                "subnetpools", pools.map(Self.subnetPoolBody), path: "/v2.0/subnetpools", baseURL: publicURL)
        }
        router.get("/v2.0/subnetpools/{subnetpool_id}") { _, context in
            let auth = try context.requireAuth()
            return respond(
                "subnetpool", Self.subnetPoolBody(try await manager.getSubnetPool(try context.parameters.require("subnetpool_id"), auth: auth)))
        }
        router.delete("/v2.0/subnetpools/{subnetpool_id}") { request, context in
            let auth = try context.requireAuth()
            try await manager.deleteSubnetPool(try context.parameters.require("subnetpool_id"), expectedRevision: try request.expectedRevision(), auth: auth)
            return JSONResponse.empty()
        }
    }
}
