import StratusKit

extension NetworkManager {
    struct PortRequest: Sendable {
        var networkID: String?
        var projectID: String?
        var name: String?
        var description: String?
        var adminStateUp: Bool?
        var macAddress: String?
        /// Each entry names a subnet, an address, or both.
        var fixedIPs: [(subnetID: String?, ipAddress: String?)]?
        var deviceID: String?
        var deviceOwner: String?
        var bindingHostID: String?
        var bindingVNICType: String?
        var bindingProfile: [String: JSONValue]?
        var portSecurityEnabled: Bool?
        var allowedAddressPairs: [JSONValue]?
        var dnsName: String?
        var tags: [String]?
        var securityGroups: [String]?
    }

    static let vnicTypes: Set<String> = [
        "normal", "direct", "macvtap", "baremetal", "direct-physical", "virtio-forwarder", "smart-nic", "vdpa",
        "accelerator-direct", "accelerator-direct-physical", "remote-managed",
    ]

    func createPort(_ request: PortRequest, auth: AuthContext) async throws -> PortRecord {
        if let dnsName = request.dnsName { try DNSNames.validatePortName(dnsName, dnsDomain: settings.dnsDomain) }
        guard let networkID = request.networkID else { throw NetworkErrors.badRequest("port", "network_id is required") }
        let project = try owningProject(request.projectID, auth: auth)
        if let mac = request.macAddress, !Self.isMAC(mac) {
            throw NetworkErrors.invalidInput("'\(mac)' is not a valid MAC address")
        }
        if let vnic = request.bindingVNICType, !Self.vnicTypes.contains(vnic) {
            throw NetworkErrors.invalidInput("binding:vnic_type '\(vnic)' is not supported")
        }
        let now = Timestamp.now()
        return try await writeRetryingDuplicates { q in
            let network = try await self.visibleNetwork(networkID, auth: auth, in: q)
            let target = NetworkPolicy.target(projectID: project, network: network)
            try self.policy.enforce("create_port", auth, target: target)
            try await self.checkQuota("port", projectID: project, in: q)
            if request.macAddress != nil { try self.policy.enforce("create_port:mac_address", auth, target: target) }
            if request.bindingHostID != nil || request.bindingProfile != nil {
                try self.policy.enforce("create_port:binding", auth, target: target)
            }
            if let owner = request.deviceOwner, owner.hasPrefix("network:") {
                try self.policy.enforce("create_port:device_owner:network", auth, target: target)
            }
            let mac = try await self.macAddress(request.macAddress, networkID: networkID, in: q)
            var port = PortRecord(
                id: IDGenerator.uuid(), networkID: networkID, projectID: project, name: request.name ?? "",
                macAddress: mac, adminStateUp: request.adminStateUp ?? true, status: "DOWN",
                deviceID: request.deviceID ?? "", deviceOwner: request.deviceOwner ?? "",
                bindingHostID: request.bindingHostID ?? "", bindingVIFType: "unbound",
                bindingVNICType: request.bindingVNICType ?? "normal", bindingProfile: request.bindingProfile ?? [:],
                portSecurityEnabled: request.portSecurityEnabled ?? network.portSecurityEnabled,
                allowedAddressPairs: request.allowedAddressPairs ?? [], dnsName: request.dnsName ?? "",
                standard: StandardAttributes(
                    description: request.description ?? "", createdAt: now, updatedAt: now, revisionNumber: 1,
                    tags: request.tags ?? []))
            port.fixedIPs = try await self.allocateAddresses(request.fixedIPs, for: network, auth: auth, target: target, in: q)
            port.securityGroups = try await self.securityGroups(request.securityGroups, for: port, auth: auth, in: q)
            if !port.bindingHostID.isEmpty { PortBinding.apply(to: &port) }
            try await q.save(port, exists: false)
            return port
        }
    }

    /// A port's security groups: those asked for (each visible to the caller), else the
    /// project's `default` group; none when port security is off (groups then refused).
    func securityGroups(_ requested: [String]?, for port: PortRecord, auth: AuthContext, in q: NetworkQueries) async throws
        -> [String]
    {
        guard port.portSecurityEnabled else {
            if let requested, !requested.isEmpty {
                throw APIError(
                    .conflict, "Port has no IP address or port security is disabled; security groups cannot be applied.",
                    type: "PortSecurityAndIPRequiredForSecurityGroups")
            }
            return []
        }
        guard let requested else { return [try await ensureDefaultSecurityGroup(projectID: port.projectID, in: q).id] }
        for id in requested { _ = try await visibleSecurityGroup(id, auth: auth, in: q) }
        return requested
    }

    static func isMAC(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 6 && parts.allSatisfy { $0.count == 2 && UInt8($0, radix: 16) != nil }
            && text.lowercased() != "00:00:00:00:00:00" && text.lowercased() != "ff:ff:ff:ff:ff:ff"
    }

    private func macAddress(_ requested: String?, networkID: String, in q: NetworkQueries) async throws -> String {
        if let requested {
            let mac = requested.lowercased()
            if try await q.macInUse(mac, networkID: networkID) {
                throw APIError(
                    .conflict, "Unable to complete operation for network \(networkID). The mac address \(mac) is in use.",
                    type: "MacAddressInUse")
            }
            return mac
        }
        for _ in 0..<16 {
            let mac = AddressAllocator.randomMAC()
            if try await !q.macInUse(mac, networkID: networkID) { return mac }
        }
        throw APIError(.serviceUnavailable, "Unable to generate unique mac on network \(networkID).", type: "MacAddressGenerationFailure")
    }

    /// The port's addresses: each requested one checked and reserved, each requested subnet
    /// given its lowest free pool address; with no request, one address from the first
    /// IPv4 subnet and one from the first IPv6 subnet of the network that have room.
    func allocateAddresses(
        _ requested: [(subnetID: String?, ipAddress: String?)]?, for network: NetworkRecord, auth: AuthContext?,
        target: PolicyAttributes, in q: NetworkQueries
    ) async throws -> [FixedIP] {
        let subnets = try await q.subnets(networkIDs: [network.id])
        var fixed: [FixedIP] = []
        guard let requested else {
            for version in [4, 6] {
                for subnet in subnets where subnet.ipVersion == version {
                    try await q.lockSubnetForAllocation(subnet.id)
                    if let address = try await q.claimLowestFreeAddress(subnet) {
                        fixed.append(FixedIP(subnetID: subnet.id, ipAddress: address.description))
                        break
                    }
                }
            }
            if fixed.isEmpty, !subnets.isEmpty { throw addressGenerationFailure(network.id) }
            return fixed
        }
        for entry in requested {
            if let text = entry.ipAddress {
                // The service's own ports (router interfaces, gateways) are not the caller's choice.
                if let auth { try policy.enforce("create_port:fixed_ips:ip_address", auth, target: target) }
                guard let address = IPAddress(text) else { throw NetworkErrors.invalidInput("'\(text)' is not a valid IP address") }
                let subnet: SubnetRecord
                if let subnetID = entry.subnetID {
                    guard let found = subnets.first(where: { $0.id == subnetID }) else {
                        throw NetworkErrors.invalidInput("Failed to create port on network \(network.id), because fixed_ips included invalid subnet \(subnetID).")
                    }
                    subnet = found
                } else {
                    guard let found = subnets.first(where: { CIDR($0.cidr)?.contains(address) == true }) else {
                        throw NetworkErrors.invalidInput("IP address \(text) is not a valid IP for any of the subnets on the specified network.")
                    }
                    subnet = found
                }
                guard let cidr = CIDR(subnet.cidr), cidr.contains(address) else {
                    throw NetworkErrors.invalidInput("IP address \(text) is not a valid IP for the specified subnet.")
                }
                try await q.lockSubnetForAllocation(subnet.id)
                if try await q.isAllocated(address, subnetID: subnet.id)
                    || fixed.contains(FixedIP(subnetID: subnet.id, ipAddress: address.description))
                {
                    throw APIError(
                        .conflict, "IP address \(address) already allocated in subnet \(subnet.id)",
                        type: "IpAddressAlreadyAllocated")
                }
                try await q.claimAddress(address, subnetID: subnet.id)
                fixed.append(FixedIP(subnetID: subnet.id, ipAddress: address.description))
            } else if let subnetID = entry.subnetID {
                guard let subnet = subnets.first(where: { $0.id == subnetID }) else {
                    throw NetworkErrors.invalidInput("Failed to create port on network \(network.id), because fixed_ips included invalid subnet \(subnetID).")
                }
                try await q.lockSubnetForAllocation(subnet.id)
                guard let address = try await q.claimLowestFreeAddress(subnet) else {
                    throw addressGenerationFailure(network.id)
                }
                fixed.append(FixedIP(subnetID: subnet.id, ipAddress: address.description))
            } else {
                throw NetworkErrors.invalidInput("Exceeded maximum amount of fixed ips per port or none given.")
            }
        }
        return fixed
    }

    private func addressGenerationFailure(_ networkID: String) -> APIError {
        APIError(.conflict, "No more IP addresses available on network \(networkID).", type: "IpAddressGenerationFailure")
    }

    /// Port columns a list filter narrows in SQL (the full filter runs on the result too).
    static let portFilterColumns: Set<String> = [
        "id", "name", "network_id", "device_id", "device_owner", "mac_address", "status", "project_id",
    ]

    func listPorts(auth: AuthContext, equalities: [(column: String, values: [String])] = []) async throws -> [PortRecord] {
        let equalities = equalities.filter { Self.portFilterColumns.contains($0.column) }
        return try await read { q in
            if self.policy.isAdmin(auth) { return try await q.ports(equalities: equalities) }
            let project = auth.projectID ?? ""
            let owned = try await q.ports(projectID: project, equalities: equalities)
            let ownNetworks = try await q.networks(visibleTo: project).filter { $0.projectID == project }.map(\.id)
            let onOwnNetworks = ownNetworks.isEmpty ? [] : try await q.ports(networkIDs: ownNetworks, equalities: equalities)
            var seen = Set(owned.map(\.id))
            return (owned + onOwnNetworks.filter { seen.insert($0.id).inserted }).sorted { $0.id < $1.id }
        }
    }

    func visiblePort(_ id: String, auth: AuthContext, in q: NetworkQueries) async throws -> (port: PortRecord, network: NetworkRecord?) {
        guard let port = try await q.ports(ids: [id]).first else { throw NetworkErrors.notFound("Port", id) }
        let network = try await q.network(id: port.networkID)?.seen(by: auth.projectID)
        guard policy.allows("get_port", auth, target: NetworkPolicy.target(projectID: port.projectID, network: network)) else {
            throw NetworkErrors.notFound("Port", id)
        }
        return (port, network)
    }

    func getPort(_ id: String, auth: AuthContext) async throws -> PortRecord {
        try await read { q in try await self.visiblePort(id, auth: auth, in: q).port }
    }

    func updatePort(_ id: String, _ request: PortRequest, expectedRevision: Int64? = nil, auth: AuthContext)
        async throws -> PortRecord
    {
        try await write { q in
            var (port, network) = try await self.visiblePort(id, auth: auth, in: q)
            try Self.requireRevision(expectedRevision, current: port.standard.revisionNumber)
            let target = NetworkPolicy.target(projectID: port.projectID, network: network)
            try self.policy.enforce("update_port", auth, target: target)
            if request.macAddress != nil { try self.policy.enforce("update_port:mac_address", auth, target: target) }
            if request.bindingHostID != nil || request.bindingProfile != nil {
                try self.policy.enforce("update_port:binding", auth, target: target)
            }
            if let name = request.name { port.name = name }
            if let description = request.description { port.standard.description = description }
            if let adminStateUp = request.adminStateUp { port.adminStateUp = adminStateUp }
            if let deviceID = request.deviceID { port.deviceID = deviceID }
            if let deviceOwner = request.deviceOwner { port.deviceOwner = deviceOwner }
            if let host = request.bindingHostID { port.bindingHostID = host }
            if let profile = request.bindingProfile { port.bindingProfile = profile }
            if let vnic = request.bindingVNICType { port.bindingVNICType = vnic }
            if let security = request.portSecurityEnabled { port.portSecurityEnabled = security }
            if let pairs = request.allowedAddressPairs { port.allowedAddressPairs = pairs }
            if let dnsName = request.dnsName {
                try DNSNames.validatePortName(dnsName, dnsDomain: self.settings.dnsDomain)
                port.dnsName = dnsName
            }
            if let tags = request.tags { port.standard.tags = tags }
            if request.bindingHostID != nil || (request.adminStateUp != nil && !port.bindingHostID.isEmpty) {
                PortBinding.apply(to: &port)
            }
            if request.securityGroups != nil || request.portSecurityEnabled != nil {
                port.securityGroups = try await self.securityGroups(
                    request.securityGroups ?? port.securityGroups, for: port, auth: auth, in: q)
            }
            if let fixedIPs = request.fixedIPs, let network {
                // Release the old addresses first so that the port may keep some of them.
                let kept = port.fixedIPs
                port.fixedIPs = []
                try await q.save(port, exists: true)
                do {
                    port.fixedIPs = try await self.allocateAddresses(fixedIPs, for: network, auth: auth, target: target, in: q)
                } catch {
                    port.fixedIPs = kept
                    throw error
                }
            }
            port.standard.updatedAt = Timestamp.now()
            port.standard.revisionNumber += 1
            try await q.save(port, exists: true)
            return port
        }
    }

    /// Ports a router or floating IP owns go with them, not through the port API.
    static let serviceOwners: Set<String> = ["network:router_interface", "network:router_gateway", "network:floatingip"]

    func deletePort(_ id: String, expectedRevision: Int64? = nil, auth: AuthContext) async throws {
        try await write { q in
            let (port, network) = try await self.visiblePort(id, auth: auth, in: q)
            try Self.requireRevision(expectedRevision, current: port.standard.revisionNumber)
            if Self.serviceOwners.contains(port.deviceOwner) {
                throw APIError(
                    .conflict, "Port \(id) cannot be deleted directly via the port API: has device owner \(port.deviceOwner).",
                    type: "ServicePortInUse")
            }
            try self.policy.enforce("delete_port", auth, target: NetworkPolicy.target(projectID: port.projectID, network: network))
            try await q.deletePort(id)
        }
    }
}
