import StratusKit

/// Routers (the L3 control plane): a gateway on an external network with an address from
/// it, interfaces on project subnets (a port holding the subnet's gateway address), extra
/// routes. Packets flow once the data-plane L3 agent wires them.
extension NetworkManager {
    static func routerTarget(_ projectID: String) -> PolicyAttributes {
        ["project_id": .string(projectID), "tenant_id": .string(projectID)]
    }

    /// A port the service makes for itself (router interface, gateway, floating IP).
    func servicePort(
        on network: NetworkRecord, projectID: String, deviceID: String, deviceOwner: String,
        fixedIPs: [(subnetID: String?, ipAddress: String?)]?, in q: NetworkQueries
    ) async throws -> PortRecord {
        let now = Timestamp.now()
        var port = PortRecord(
            id: IDGenerator.uuid(), networkID: network.id, projectID: projectID, name: "",
            macAddress: AddressAllocator.randomMAC(), adminStateUp: true, status: "DOWN", deviceID: deviceID,
            deviceOwner: deviceOwner, bindingHostID: "", bindingVIFType: "unbound", bindingVNICType: "normal",
            bindingProfile: [:], portSecurityEnabled: false, allowedAddressPairs: [], dnsName: "",
            standard: StandardAttributes(createdAt: now, updatedAt: now, revisionNumber: 1))
        while try await q.macInUse(port.macAddress, networkID: network.id) { port.macAddress = AddressAllocator.randomMAC() }
        port.fixedIPs = try await allocateAddresses(fixedIPs, for: network, auth: nil, target: [:], in: q)
        try await q.save(port, exists: false)
        return port
    }

    func visibleRouter(_ id: String, auth: AuthContext, in q: NetworkQueries) async throws -> RouterRecord {
        guard let router = try await q.routers(ids: [id]).first,
            policy.allows("get_router", auth, target: Self.routerTarget(router.projectID))
        else { throw NetworkErrors.notFound("Router", id) }
        return router
    }

    struct GatewayRequest: Sendable {
        var networkID: String
        var enableSNAT: Bool?
        var fixedIPs: [(subnetID: String?, ipAddress: String?)]?
    }

    struct RouterRequest: Sendable {
        var projectID: String?
        var name: String?
        var description: String?
        var adminStateUp: Bool?
        /// `.some(nil)` clears the gateway.
        var gateway: GatewayRequest??
        var routes: [JSONValue]?
        var distributed: Bool?
        var ha: Bool?
        var tags: [String]?
    }

    func createRouter(_ request: RouterRequest, auth: AuthContext) async throws -> RouterRecord {
        let project = try owningProject(request.projectID, auth: auth)
        let target = Self.routerTarget(project)
        try policy.enforce("create_router", auth, target: target)
        if request.distributed != nil || request.ha != nil { try policy.enforce("create_router:distributed", auth, target: target) }
        let now = Timestamp.now()
        return try await write { q in
            try await self.checkQuota("router", projectID: project, in: q)
            var router = RouterRecord(
                id: IDGenerator.uuid(), projectID: project, name: request.name ?? "", adminStateUp: request.adminStateUp ?? true,
                status: "ACTIVE", gatewayPortID: nil, enableSNAT: true, routes: [], distributed: request.distributed ?? false,
                ha: request.ha ?? false,
                standard: StandardAttributes(
                    description: request.description ?? "", createdAt: now, updatedAt: now, revisionNumber: 1,
                    tags: request.tags ?? []))
            if case .some(.some(let gateway)) = request.gateway {
                try await self.setGateway(&router, gateway, auth: auth, in: q)
            }
            try await q.save(router, exists: false)
            return router
        }
    }

    /// Replaces the router's gateway port with one on the requested external network.
    private func setGateway(_ router: inout RouterRecord, _ gateway: GatewayRequest, auth: AuthContext, in q: NetworkQueries)
        async throws
    {
        guard let network = try await q.network(id: gateway.networkID)?.seen(by: auth.projectID),
            policy.allows("get_network", auth, target: NetworkPolicy.target(projectID: network.projectID, network: network))
        else { throw NetworkErrors.notFound("Network", gateway.networkID) }
        guard network.external else {
            throw APIError(.badRequest, "Bad router request: Network \(network.id) is not an external network.", type: "BadRequest")
        }
        if gateway.fixedIPs?.contains(where: { $0.ipAddress != nil }) == true {
            try policy.enforce("create_router:external_gateway_info:external_fixed_ips", auth, target: Self.routerTarget(router.projectID))
        }
        if gateway.enableSNAT == false {
            try policy.enforce("create_router:external_gateway_info:enable_snat", auth, target: Self.routerTarget(router.projectID))
        }
        if let old = router.gatewayPortID { try await q.deletePort(old) }
        let port = try await servicePort(
            on: network, projectID: "", deviceID: router.id, deviceOwner: "network:router_gateway", fixedIPs: gateway.fixedIPs,
            in: q)
        router.gatewayPortID = port.id
        router.enableSNAT = gateway.enableSNAT ?? true
    }

    func listRouters(auth: AuthContext) async throws -> [RouterRecord] {
        try await read { q in
            try await q.routers(projectID: self.policy.isAdmin(auth) ? nil : auth.projectID ?? "")
                .filter { self.policy.allows("get_router", auth, target: Self.routerTarget($0.projectID)) }
        }
    }

    func getRouter(_ id: String, auth: AuthContext) async throws -> RouterRecord {
        try await read { q in try await self.visibleRouter(id, auth: auth, in: q) }
    }

    func updateRouter(_ id: String, _ request: RouterRequest, expectedRevision: Int64? = nil, auth: AuthContext) async throws -> RouterRecord {
        try await write { q in
            var router = try await self.visibleRouter(id, auth: auth, in: q)
            try Self.requireRevision(expectedRevision, current: router.standard.revisionNumber)
            try self.policy.enforce("update_router", auth, target: Self.routerTarget(router.projectID))
            if let name = request.name { router.name = name }
            if let description = request.description { router.standard.description = description }
            if let adminStateUp = request.adminStateUp { router.adminStateUp = adminStateUp }
            if let tags = request.tags { router.standard.tags = tags }
            switch request.gateway {
            case .some(.some(let gateway)):
                try await self.setGateway(&router, gateway, auth: auth, in: q)
            case .some(.none):
                if let old = router.gatewayPortID {
                    if try await !q.floatingIPs(routerID: router.id).isEmpty {
                        throw APIError(
                            .conflict, "Gateway cannot be updated for router \(router.id), since a gateway to external network is required by one or more floating IPs.",
                            type: "RouterExternalGatewayInUseByFloatingIp")
                    }
                    try await q.deletePort(old)
                }
                router.gatewayPortID = nil
            case .none:
                break
            }
            if let routes = request.routes {
                let interfaces = try await q.ports(deviceID: router.id).filter { $0.deviceOwner == "network:router_interface" }
                let subnets = try await q.subnets(ids: interfaces.flatMap { $0.fixedIPs.map(\.subnetID) })
                for route in routes {
                    guard let destination = route["destination"]?.stringValue, CIDR(destination) != nil,
                        let nexthopText = route["nexthop"]?.stringValue, let nexthop = IPAddress(nexthopText)
                    else { throw NetworkErrors.invalidInput("Invalid format for routes: \(route.jsonText())") }
                    guard subnets.contains(where: { CIDR($0.cidr)?.contains(nexthop) == true }) else {
                        throw APIError(
                            .badRequest, "Invalid format for routes: \(route.jsonText()), the nexthop is not connected with router",
                            type: "InvalidRoutes")
                    }
                }
                router.routes = routes
            }
            router.standard.updatedAt = Timestamp.now()
            router.standard.revisionNumber += 1
            try await q.save(router, exists: true)
            return router
        }
    }

    func deleteRouter(_ id: String, expectedRevision: Int64? = nil, auth: AuthContext) async throws {
        try await write { q in
            let router = try await self.visibleRouter(id, auth: auth, in: q)
            try Self.requireRevision(expectedRevision, current: router.standard.revisionNumber)
            try self.policy.enforce("delete_router", auth, target: Self.routerTarget(router.projectID))
            let ports = try await q.ports(deviceID: id)
            if ports.contains(where: { $0.deviceOwner == "network:router_interface" }) {
                throw APIError(
                    .conflict, "Router \(id) still has ports", type: "RouterInUse")
            }
            for port in ports { try await q.deletePort(port.id) }
            try await q.delete("routers", id: id)
        }
    }

    /// `PUT /routers/{id}/add_router_interface` by subnet (a new port with the subnet's
    /// gateway address) or by port (an existing unbound port of the project).
    func addInterface(_ routerID: String, subnetID: String?, portID: String?, auth: AuthContext) async throws
        -> (port: PortRecord, subnetIDs: [String])
    {
        try await write { q in
            let router = try await self.visibleRouter(routerID, auth: auth, in: q)
            try self.policy.enforce("add_router_interface", auth, target: Self.routerTarget(router.projectID))
            let existing = try await q.ports(deviceID: routerID).filter { $0.deviceOwner == "network:router_interface" }
            var port: PortRecord
            if let portID {
                guard subnetID == nil else {
                    throw NetworkErrors.badRequest("router", "Cannot specify both subnet-id and port-id")
                }
                (port, _) = try await self.visiblePort(portID, auth: auth, in: q)
                guard port.deviceID.isEmpty else {
                    throw APIError(.conflict, "Port \(portID) is in use by \(port.deviceID).", type: "PortInUse")
                }
                guard !port.fixedIPs.isEmpty else {
                    throw NetworkErrors.badRequest("router", "Router port must have at least one fixed IP")
                }
                port.deviceID = routerID
                port.deviceOwner = "network:router_interface"
                port.standard.updatedAt = Timestamp.now()
                port.standard.revisionNumber += 1
                try await q.save(port, exists: true)
            } else if let subnetID {
                let (subnet, network) = try await self.visibleSubnet(subnetID, auth: auth, in: q)
                guard let gateway = subnet.gatewayIP else {
                    throw NetworkErrors.badRequest("router", "Subnet for router interface must have a gateway IP")
                }
                if existing.contains(where: { $0.fixedIPs.contains { $0.subnetID == subnetID } }) {
                    throw NetworkErrors.badRequest("router", "Router already has a port on subnet \(subnetID)")
                }
                port = try await self.servicePort(
                    on: network, projectID: router.projectID, deviceID: routerID, deviceOwner: "network:router_interface",
                    fixedIPs: [(subnetID, gateway)], in: q)
            } else {
                throw NetworkErrors.badRequest("router", "Either subnet_id or port_id must be specified")
            }
            // Two interfaces of one router may not sit on overlapping subnets.
            let mine = try await q.subnets(ids: port.fixedIPs.map(\.subnetID))
            let others = try await q.subnets(ids: existing.flatMap { $0.fixedIPs.map(\.subnetID) })
            for subnet in mine {
                if let clash = others.first(where: { CIDR($0.cidr).flatMap { a in CIDR(subnet.cidr).map(a.overlaps) } == true }) {
                    throw NetworkErrors.badRequest(
                        "router", "Cidr \(subnet.cidr) of subnet \(subnet.id) overlaps with cidr \(clash.cidr) of subnet \(clash.id)")
                }
            }
            return (port, port.fixedIPs.map(\.subnetID))
        }
    }

    func removeInterface(_ routerID: String, subnetID: String?, portID: String?, auth: AuthContext) async throws
        -> (port: PortRecord, subnetIDs: [String])
    {
        try await write { q in
            let router = try await self.visibleRouter(routerID, auth: auth, in: q)
            try self.policy.enforce("remove_router_interface", auth, target: Self.routerTarget(router.projectID))
            let interfaces = try await q.ports(deviceID: routerID).filter { $0.deviceOwner == "network:router_interface" }
            guard let port = interfaces.first(where: { port in
                (portID == nil || port.id == portID) && (subnetID == nil || port.fixedIPs.contains { $0.subnetID == subnetID })
            }) else {
                if let subnetID {
                    throw APIError(.notFound, "Router \(routerID) has no interface on subnet \(subnetID)", type: "RouterInterfaceNotFoundForSubnet")
                }
                throw APIError(.notFound, "Router \(routerID) does not have an interface with id \(portID ?? "")", type: "RouterInterfaceNotFound")
            }
            let subnets = port.fixedIPs.map(\.subnetID)
            // A floating IP reaching its port through this interface keeps it in place.
            let fixedPorts = try await q.ports(ids: try await q.floatingIPs(routerID: routerID).compactMap(\.portID))
            if fixedPorts.contains(where: { port in port.fixedIPs.contains { subnets.contains($0.subnetID) } }) {
                throw APIError(
                    .conflict, "Router interface for subnet \(subnets.first ?? "") on router \(routerID) cannot be deleted, as it is required by one or more floating IPs.",
                    type: "RouterInterfaceInUseByFloatingIP")
            }
            try await q.deletePort(port.id)
            return (port, subnets)
        }
    }
}
