import Hummingbird
import StratusKit

extension NetworkAPI {
    static let floatingIPAttributes: Set<String> = standardAttributes.union([
        "floating_network_id", "floating_ip_address", "subnet_id", "port_id", "fixed_ip_address", "dns_name", "dns_domain",
        "qos_policy_id",
    ])

    static func floatingIPRequest(_ fields: JSONFields) throws -> NetworkManager.FloatingIPRequest {
        var request = NetworkManager.FloatingIPRequest(
            projectID: try projectID(fields), floatingNetworkID: try fields.string("floating_network_id"),
            floatingIPAddress: try fields.string("floating_ip_address"), subnetID: try fields.string("subnet_id"),
            fixedIPAddress: try fields.string("fixed_ip_address"), description: try fields.string("description"),
            dnsName: try fields.string("dns_name"), dnsDomain: try fields.string("dns_domain"), tags: try fields.stringArray("tags"))
        if fields.has("port_id") { request.portID = .some(try fields.string("port_id")) }
        return request
    }

    func registerFloatingIPs(on router: Router<StratusRequestContext>) {
        router.post("/v2.0/floatingips") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try Self.body(try await request.jsonObject(context: context), "floatingip", allowed: Self.floatingIPAttributes)
            let created = try await manager.createFloatingIP(try Self.floatingIPRequest(fields), auth: auth)
            return respond(.created, "floatingip", NetworkWire.floatingIP(created))
        }
        router.get("/v2.0/floatingips") { request, context in
            let auth = try context.requireAuth()
            let list = try await manager.listFloatingIPs(auth: auth)
            return try NeutronList(request: request).respond(
                "floatingips", list.map(NetworkWire.floatingIP), path: "/v2.0/floatingips", baseURL: publicURL)
        }
        router.get("/v2.0/floatingips/{floatingip_id}") { _, context in
            let auth = try context.requireAuth()
            let found = try await manager.getFloatingIP(try context.parameters.require("floatingip_id"), auth: auth)
            return respond("floatingip", NetworkWire.floatingIP(found))
        }
        router.put("/v2.0/floatingips/{floatingip_id}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try Self.body(try await request.jsonObject(context: context), "floatingip", allowed: Self.floatingIPAttributes)
            let updated = try await manager.updateFloatingIP(
                try context.parameters.require("floatingip_id"), try Self.floatingIPRequest(fields),
                expectedRevision: try request.expectedRevision(), auth: auth)
            return respond("floatingip", NetworkWire.floatingIP(updated))
        }
        router.delete("/v2.0/floatingips/{floatingip_id}") { request, context in
            let auth = try context.requireAuth()
            try await manager.deleteFloatingIP(try context.parameters.require("floatingip_id"), expectedRevision: try request.expectedRevision(), auth: auth)
            return JSONResponse.empty()
        }
    }
}
