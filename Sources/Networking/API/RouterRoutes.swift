import Hummingbird
import StratusKit

extension NetworkAPI {
    static let routerAttributes: Set<String> = standardAttributes.union([
        "admin_state_up", "external_gateway_info", "routes", "distributed", "ha", "availability_zone_hints", "flavor_id",
    ])

    static func routerRequest(_ fields: JSONFields) throws -> NetworkManager.RouterRequest {
        var request = NetworkManager.RouterRequest(
            projectID: try projectID(fields), name: try fields.string("name"), description: try fields.string("description"),
            adminStateUp: try fields.bool("admin_state_up"),
            routes: try fields.object["routes"].map { value in
                guard let list = value.arrayValue else { throw NetworkErrors.invalidInput("routes must be a list") }
                return list
            }, distributed: try fields.bool("distributed"), ha: try fields.bool("ha"), tags: try fields.stringArray("tags"))
        if let value = fields.object["external_gateway_info"] {
            if value.isNull || value.objectValue?.isEmpty == true {
                request.gateway = .some(nil)
            } else {
                guard let gateway = try fields.nested("external_gateway_info") else {
                    throw NetworkErrors.invalidInput("external_gateway_info must be an object")
                }
                request.gateway = .some(
                    NetworkManager.GatewayRequest(
                        networkID: try gateway.requiredString("network_id"), enableSNAT: try gateway.bool("enable_snat"),
                        fixedIPs: try gateway.objectArray("external_fixed_ips")?.map { entry in
                            (subnetID: try entry.string("subnet_id"), ipAddress: try entry.string("ip_address"))
                        }))
            }
        }
        return request
    }

    /// Routers with their gateway ports, read in one query.
    func renderRouters(_ routers: [RouterRecord], auth: AuthContext) async throws -> [JSONValue] {
        let gateways = try await manager.read { q in try await q.ports(ids: routers.compactMap(\.gatewayPortID)) }
        let byID = Dictionary(uniqueKeysWithValues: gateways.map { ($0.id, $0) })
        let showAdminFields = policy.isAdmin(auth)
        return routers.map { router in
            NetworkWire.router(router, gateway: router.gatewayPortID.flatMap { byID[$0] }, showAdminFields: showAdminFields)
        }
    }

    func renderRouter(_ router: RouterRecord, auth: AuthContext) async throws -> JSONValue {
        try await renderRouters([router], auth: auth)[0]
    }

    func registerRouters(on router: Router<StratusRequestContext>) {
        router.post("/v2.0/routers") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try Self.body(try await request.jsonObject(context: context), "router", allowed: Self.routerAttributes)
            let created = try await manager.createRouter(try Self.routerRequest(fields), auth: auth)
            return respond(.created, "router", try await renderRouter(created, auth: auth))
        }
        router.get("/v2.0/routers") { request, context in
            let auth = try context.requireAuth()
            let rendered = try await renderRouters(try await manager.listRouters(auth: auth), auth: auth)
            return try NeutronList(request: request).respond("routers", rendered, path: "/v2.0/routers", baseURL: publicURL)
        }
        router.get("/v2.0/routers/{router_id}") { _, context in
            let auth = try context.requireAuth()
            let found = try await manager.getRouter(try context.parameters.require("router_id"), auth: auth)
            return respond("router", try await renderRouter(found, auth: auth))
        }
        router.put("/v2.0/routers/{router_id}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try Self.body(try await request.jsonObject(context: context), "router", allowed: Self.routerAttributes)
            let updated = try await manager.updateRouter(try context.parameters.require("router_id"), try Self.routerRequest(fields),
                expectedRevision: try request.expectedRevision(), auth: auth)
            return respond("router", try await renderRouter(updated, auth: auth))
        }
        router.delete("/v2.0/routers/{router_id}") { request, context in
            let auth = try context.requireAuth()
            try await manager.deleteRouter(try context.parameters.require("router_id"), expectedRevision: try request.expectedRevision(), auth: auth)
            return JSONResponse.empty()
        }
        for (action, adding) in [("add_router_interface", true), ("remove_router_interface", false)] {
            router.put(RouterPath("/v2.0/routers/{router_id}/\(action)")) { request, context in
                var request = request
                let auth = try context.requireAuth()
                let body = JSONFields(try await request.jsonObject(context: context), name: action)
                let routerID = try context.parameters.require("router_id")
                let subnetID = try body.string("subnet_id")
                let portID = try body.string("port_id")
                let (port, subnets) =
                    adding
                    ? try await manager.addInterface(routerID, subnetID: subnetID, portID: portID, auth: auth)
                    : try await manager.removeInterface(routerID, subnetID: subnetID, portID: portID, auth: auth)
                let owner = try await manager.getRouter(routerID, auth: auth)
                return JSONResponse.make(.ok, NetworkWire.routerInterface(router: owner, port: port, subnetIDs: subnets))
            }
        }
    }
}
