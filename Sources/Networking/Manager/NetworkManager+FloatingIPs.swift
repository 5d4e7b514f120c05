import StratusKit

/// Floating IPs: an address of an external network, held by a port on it, associated with
/// a project port's fixed address when a router connects that port's subnet to the
/// external network.
extension NetworkManager {
    func visibleFloatingIP(_ id: String, auth: AuthContext, in q: NetworkQueries) async throws -> FloatingIPRecord {
        guard let floatingIP = try await q.floatingIPs(ids: [id]).first,
            policy.allows("get_floatingip", auth, target: Self.routerTarget(floatingIP.projectID))
        else { throw NetworkErrors.notFound("Floating IP", id).with(type: "FloatingIPNotFound") }
        return floatingIP
    }

    struct FloatingIPRequest: Sendable {
        var projectID: String?
        var floatingNetworkID: String?
        var floatingIPAddress: String?
        var subnetID: String?
        /// `.some(nil)` disassociates.
        var portID: String??
        var fixedIPAddress: String?
        var description: String?
        var dnsName: String?
        var dnsDomain: String?
        var tags: [String]?
    }

    func createFloatingIP(_ request: FloatingIPRequest, auth: AuthContext) async throws -> FloatingIPRecord {
        guard let networkID = request.floatingNetworkID else {
            throw NetworkErrors.badRequest("floatingip", "floating_network_id is required")
        }
        let project = try owningProject(request.projectID, auth: auth)
        let target = Self.routerTarget(project)
        try policy.enforce("create_floatingip", auth, target: target)
        if let name = request.dnsName { try DNSNames.validate(name, attribute: "dns_name") }
        if let domain = request.dnsDomain { try DNSNames.validate(domain, attribute: "dns_domain") }
        if request.floatingIPAddress != nil { try policy.enforce("create_floatingip:floating_ip_address", auth, target: target) }
        let now = Timestamp.now()
        let (created, changed) = try await write { q -> (FloatingIPRecord, [PortRecord]) in
            guard let network = try await q.network(id: networkID)?.seen(by: auth.projectID),
                self.policy.allows("get_network", auth, target: NetworkPolicy.target(projectID: network.projectID, network: network))
            else { throw NetworkErrors.notFound("Network", networkID) }
            guard network.external else {
                throw APIError(
                    .badRequest, "Bad floatingip request: Network \(networkID) is not a valid external network.", type: "BadRequest")
            }
            try await self.checkQuota("floatingip", projectID: project, in: q)
            let id = IDGenerator.uuid()
            let requested: [(subnetID: String?, ipAddress: String?)]? =
                request.floatingIPAddress != nil || request.subnetID != nil
                ? [(request.subnetID, request.floatingIPAddress)] : nil
            let port = try await self.servicePort(
                on: network, projectID: "", deviceID: id, deviceOwner: "network:floatingip", fixedIPs: requested, in: q)
            guard let address = port.fixedIPs.first(where: { IPAddress($0.ipAddress)?.version == .v4 })?.ipAddress else {
                throw APIError(.badRequest, "Bad floatingip request: no IPv4 address on network \(networkID).", type: "BadRequest")
            }
            var floatingIP = FloatingIPRecord(
                id: id, projectID: project, floatingNetworkID: networkID, floatingIPAddress: address, floatingPortID: port.id,
                portID: nil, fixedIPAddress: nil, routerID: nil, status: "DOWN",
                standard: StandardAttributes(
                    description: request.description ?? "", createdAt: now, updatedAt: now, revisionNumber: 0,
                    tags: request.tags ?? []),
                dnsName: request.dnsName ?? "", dnsDomain: request.dnsDomain ?? "")
            if case .some(.some(let portID)) = request.portID {
                try await self.associate(&floatingIP, portID: portID, fixedIP: request.fixedIPAddress, auth: auth, in: q)
            }
            try await q.save(floatingIP, exists: false)
            return (floatingIP, try await q.ports(ids: floatingIP.portID.map { [$0] } ?? []))
        }
        computeNotifier.portsChanged(changed)
        return created
    }

    /// Points the floating IP at a port's fixed address, through the router that joins the
    /// port's subnet to the floating IP's external network (404 when there is none).
    private func associate(
        _ floatingIP: inout FloatingIPRecord, portID: String, fixedIP: String?, auth: AuthContext, in q: NetworkQueries
    ) async throws {
        let (port, _) = try await visiblePort(portID, auth: auth, in: q)
        guard port.projectID == floatingIP.projectID || policy.isAdmin(auth) else {
            throw NetworkErrors.notFound("Port", portID)
        }
        let candidates = port.fixedIPs.filter { IPAddress($0.ipAddress)?.version == .v4 }
        let match = fixedIP.map { wanted in candidates.first { $0.ipAddress == wanted } } ?? candidates.first
        guard let chosen = match else {
            throw NetworkErrors.badRequest(
                "floatingip", "Port \(portID) does not have fixed ip \(fixedIP ?? "(an IPv4 address)")")
        }
        // The routers with a gateway on the floating IP's network and an interface on the
        // port's subnet: three queries whatever the number of routers.
        let routers = try await q.routers().filter { $0.gatewayPortID != nil }
        let gateways = try await q.ports(ids: routers.compactMap(\.gatewayPortID))
            .filter { $0.networkID == floatingIP.floatingNetworkID }
        let interfaces =
            gateways.isEmpty
            ? []
            : try await q.ports(equalities: [
                ("device_owner", ["network:router_interface"]), ("device_id", gateways.map(\.deviceID)),
            ])
        let reaching = Set(interfaces.filter { $0.fixedIPs.contains { $0.subnetID == chosen.subnetID } }.map(\.deviceID))
        let router = routers.first { reaching.contains($0.id) }
        guard let router else {
            throw APIError(
                .notFound,
                "External network \(floatingIP.floatingNetworkID) is not reachable from subnet \(chosen.subnetID). Therefore, cannot associate Port \(portID) with a Floating IP.",
                type: "ExternalGatewayForFloatingIPNotFound")
        }
        if let holder = try await q.floatingIPs(portID: portID).first(where: { $0.fixedIPAddress == chosen.ipAddress && $0.id != floatingIP.id }) {
            throw APIError(
                .conflict,
                "Cannot associate floating IP \(floatingIP.floatingIPAddress) (\(floatingIP.id)) with port \(portID) using fixed IP \(chosen.ipAddress), as that fixed IP already has a floating IP on external network \(holder.floatingNetworkID).",
                type: "FloatingIPPortAlreadyAssociated")
        }
        floatingIP.portID = portID
        floatingIP.fixedIPAddress = chosen.ipAddress
        floatingIP.routerID = router.id
    }

    func listFloatingIPs(auth: AuthContext) async throws -> [FloatingIPRecord] {
        try await read { q in try await q.floatingIPs(projectID: self.policy.isAdmin(auth) ? nil : auth.projectID ?? "") }
    }

    func getFloatingIP(_ id: String, auth: AuthContext) async throws -> FloatingIPRecord {
        try await read { q in try await self.visibleFloatingIP(id, auth: auth, in: q) }
    }

    func updateFloatingIP(_ id: String, _ request: FloatingIPRequest, expectedRevision: Int64? = nil, auth: AuthContext) async throws -> FloatingIPRecord {
        let (updated, changed) = try await write { q -> (FloatingIPRecord, [PortRecord]) in
            var floatingIP = try await self.visibleFloatingIP(id, auth: auth, in: q)
            try Self.requireRevision(expectedRevision, current: floatingIP.standard.revisionNumber)
            try self.policy.enforce("update_floatingip", auth, target: Self.routerTarget(floatingIP.projectID))
            let previousPortID = floatingIP.portID
            switch request.portID {
            case .some(.some(let portID)):
                try await self.associate(&floatingIP, portID: portID, fixedIP: request.fixedIPAddress, auth: auth, in: q)
            case .some(.none):
                floatingIP.portID = nil
                floatingIP.fixedIPAddress = nil
                floatingIP.routerID = nil
            case .none:
                break
            }
            if let description = request.description { floatingIP.standard.description = description }
            if let tags = request.tags { floatingIP.standard.tags = tags }
            floatingIP.standard.updatedAt = Timestamp.now()
            floatingIP.standard.revisionNumber += 1
            try await q.save(floatingIP, exists: true)
            let touched = Set([previousPortID, floatingIP.portID].compactMap { $0 })
            return (floatingIP, previousPortID == floatingIP.portID ? [] : try await q.ports(ids: Array(touched)))
        }
        computeNotifier.portsChanged(changed)
        return updated
    }

    func deleteFloatingIP(_ id: String, expectedRevision: Int64? = nil, auth: AuthContext) async throws {
        let changed = try await write { q -> [PortRecord] in
            let floatingIP = try await self.visibleFloatingIP(id, auth: auth, in: q)
            try Self.requireRevision(expectedRevision, current: floatingIP.standard.revisionNumber)
            try self.policy.enforce("delete_floatingip", auth, target: Self.routerTarget(floatingIP.projectID))
            try await q.deletePort(floatingIP.floatingPortID)
            try await q.delete("floating_ips", id: id)
            return try await q.ports(ids: floatingIP.portID.map { [$0] } ?? [])
        }
        computeNotifier.portsChanged(changed)
    }
}
