import Hummingbird
import StratusKit

extension NetworkAPI {
    static let portAttributes: Set<String> = standardAttributes.union([
        "network_id", "admin_state_up", "mac_address", "fixed_ips", "device_id", "device_owner", "binding:host_id",
        "binding:vnic_type", "binding:profile", "port_security_enabled", "allowed_address_pairs", "dns_name",
        "security_groups",
    ])

    static func portRequest(_ fields: JSONFields) throws -> NetworkManager.PortRequest {
        NetworkManager.PortRequest(
            networkID: try fields.string("network_id"), projectID: try projectID(fields), name: try fields.string("name"),
            description: try fields.string("description"), adminStateUp: try fields.bool("admin_state_up"),
            macAddress: try fields.string("mac_address"),
            fixedIPs: try fields.objectArray("fixed_ips")?.map { entry in
                (subnetID: try entry.string("subnet_id"), ipAddress: try entry.string("ip_address"))
            },
            deviceID: try fields.string("device_id"), deviceOwner: try fields.string("device_owner"),
            bindingHostID: try fields.string("binding:host_id"), bindingVNICType: try fields.string("binding:vnic_type"),
            bindingProfile: try fields.nested("binding:profile")?.object,
            portSecurityEnabled: try fields.bool("port_security_enabled"),
            allowedAddressPairs: fields.object["allowed_address_pairs"]?.arrayValue, dnsName: try fields.string("dns_name"),
            tags: try fields.stringArray("tags"), securityGroups: try fields.stringArray("security_groups"))
    }

    func renderPort(_ port: PortRecord, auth: AuthContext) -> JSONValue {
        NetworkWire.port(
            port, showBinding: policy.allows("get_port:binding", auth, target: NetworkPolicy.target(projectID: port.projectID, network: nil)),
            dnsDomain: manager.settings.dnsDomain)
    }

    func registerPorts(on router: Router<StratusRequestContext>) {
        router.post("/v2.0/ports") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try Self.body(try await request.jsonObject(context: context), "port", allowed: Self.portAttributes)
            let port = try await manager.createPort(try Self.portRequest(fields), auth: auth)
            return respond(.created, "port", renderPort(port, auth: auth))
        }
        router.get("/v2.0/ports") { request, context in
            let auth = try context.requireAuth()
            let list = NeutronList(request: request)
            let equalities = NetworkManager.portFilterColumns.map { column in
                (column, list.values(column) + (column == "project_id" ? list.values("tenant_id") : []))
            }.filter { !$0.1.isEmpty }
            let ports = try await manager.listPorts(auth: auth, equalities: equalities)
            return try NeutronList(request: request).respond(
                "ports", ports.map { renderPort($0, auth: auth) }, path: "/v2.0/ports", baseURL: publicURL)
        }
        router.get("/v2.0/ports/{port_id}") { _, context in
            let auth = try context.requireAuth()
            return respond("port", renderPort(try await manager.getPort(try context.parameters.require("port_id"), auth: auth), auth: auth))
        }
        router.put("/v2.0/ports/{port_id}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try Self.body(try await request.jsonObject(context: context), "port", allowed: Self.portAttributes)
            let port = try await manager.updatePort(
                try context.parameters.require("port_id"), try Self.portRequest(fields),
                expectedRevision: try request.expectedRevision(), auth: auth)
            return respond("port", renderPort(port, auth: auth))
        }
        router.delete("/v2.0/ports/{port_id}") { request, context in
            let auth = try context.requireAuth()
            try await manager.deletePort(try context.parameters.require("port_id"), expectedRevision: try request.expectedRevision(), auth: auth)
            return JSONResponse.empty()
        }
    }
}
