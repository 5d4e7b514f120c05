import Hummingbird
import StratusKit

extension NetworkAPI {
    static let subnetAttributes: Set<String> = standardAttributes.union([
        "network_id", "ip_version", "cidr", "gateway_ip", "enable_dhcp", "ipv6_ra_mode", "ipv6_address_mode",
        "allocation_pools", "dns_nameservers", "host_routes", "service_types", "subnetpool_id", "prefixlen",
        "use_default_subnetpool", "segment_id",
    ])

    static func subnetRequest(_ fields: JSONFields) throws -> NetworkManager.SubnetRequest {
        var request = NetworkManager.SubnetRequest(
            networkID: try fields.string("network_id"), projectID: try projectID(fields), name: try fields.string("name"),
            description: try fields.string("description"), ipVersion: try int(fields, "ip_version").map(Int.init),
            cidr: try fields.string("cidr"), enableDHCP: try fields.bool("enable_dhcp"),
            ipv6RAMode: try fields.string("ipv6_ra_mode"), ipv6AddressMode: try fields.string("ipv6_address_mode"),
            dnsNameservers: try fields.stringArray("dns_nameservers"),
            hostRoutes: try fields.object["host_routes"].map { value in
                guard let list = value.arrayValue else { throw NetworkErrors.invalidInput("host_routes must be a list") }
                return list
            }, tags: try fields.stringArray("tags"))
        if fields.has("gateway_ip") { request.gatewayIP = .some(try fields.string("gateway_ip")) }
        if let pools = try fields.objectArray("allocation_pools") {
            request.allocationPools = try pools.map { pool in
                (start: try pool.requiredString("start"), end: try pool.requiredString("end"))
            }
        }
        request.subnetPoolID = try fields.string("subnetpool_id")
        request.prefixLength = try int(fields, "prefixlen").map(Int.init)
        request.useDefaultPool = try fields.bool("use_default_subnetpool") ?? false
        return request
    }

    func registerSubnets(on router: Router<StratusRequestContext>) {
        router.post("/v2.0/subnets") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try Self.body(try await request.jsonObject(context: context), "subnet", allowed: Self.subnetAttributes)
            let subnet = try await manager.createSubnet(try Self.subnetRequest(fields), auth: auth)
            return respond(.created, "subnet", NetworkWire.subnet(subnet))
        }
        router.get("/v2.0/subnets") { request, context in
            let auth = try context.requireAuth()
            let subnets = try await manager.listSubnets(auth: auth)
            return try NeutronList(request: request).respond(
                "subnets", subnets.map(NetworkWire.subnet), path: "/v2.0/subnets", baseURL: publicURL)
        }
        router.get("/v2.0/subnets/{subnet_id}") { _, context in
            let auth = try context.requireAuth()
            return respond("subnet", NetworkWire.subnet(try await manager.getSubnet(try context.parameters.require("subnet_id"), auth: auth)))
        }
        router.put("/v2.0/subnets/{subnet_id}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try Self.body(try await request.jsonObject(context: context), "subnet", allowed: Self.subnetAttributes)
            for readOnly in ["network_id", "ip_version", "cidr"] where fields.has(readOnly) {
                throw NetworkErrors.badRequest("subnet", "Cannot update read-only attribute \(readOnly)")
            }
            let subnet = try await manager.updateSubnet(
                try context.parameters.require("subnet_id"), try Self.subnetRequest(fields),
                expectedRevision: try request.expectedRevision(), auth: auth)
            return respond("subnet", NetworkWire.subnet(subnet))
        }
        router.delete("/v2.0/subnets/{subnet_id}") { request, context in
            let auth = try context.requireAuth()
            try await manager.deleteSubnet(try context.parameters.require("subnet_id"), expectedRevision: try request.expectedRevision(), auth: auth)
            return JSONResponse.empty()
        }
    }
}
