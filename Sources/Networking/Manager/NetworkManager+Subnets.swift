import StratusKit

extension NetworkManager {
    struct SubnetRequest: Sendable {
        var networkID: String?
        var projectID: String?
        var name: String?
        var description: String?
        var ipVersion: Int?
        var cidr: String?
        /// `.some(nil)`: no gateway; `nil`: the default (the first address).
        var gatewayIP: String??
        var enableDHCP: Bool?
        var ipv6RAMode: String?
        var ipv6AddressMode: String?
        var allocationPools: [(start: String, end: String)]?
        var dnsNameservers: [String]?
        var hostRoutes: [JSONValue]?
        var tags: [String]?
        var subnetPoolID: String?
        var prefixLength: Int?
        var useDefaultPool = false
    }

    static let ipv6Modes: Set<String> = ["slaac", "dhcpv6-stateful", "dhcpv6-stateless"]

    func createSubnet(_ request: SubnetRequest, auth: AuthContext) async throws -> SubnetRecord {
        guard let networkID = request.networkID else {
            throw NetworkErrors.badRequest("subnet", "network_id is required")
        }
        guard let version = request.ipVersion, version == 4 || version == 6 else {
            throw NetworkErrors.invalidInput("ip_version must be 4 or 6")
        }
        let usesPool = request.subnetPoolID != nil || request.useDefaultPool
        if request.cidr == nil, !usesPool {
            throw NetworkErrors.badRequest("subnet", "a cidr must be specified in the absence of a subnet pool")
        }
        for mode in [request.ipv6RAMode, request.ipv6AddressMode].compactMap({ $0 }) {
            guard version == 6 else {
                throw NetworkErrors.invalidInput("ipv6_ra_mode or ipv6_address_mode cannot be set when enable_dhcp is set to False or ip_version is 4")
            }
            guard Self.ipv6Modes.contains(mode) else { throw NetworkErrors.invalidInput("'\(mode)' is not in \(Self.ipv6Modes.sorted())") }
        }
        if let ra = request.ipv6RAMode, let address = request.ipv6AddressMode, ra != address {
            throw NetworkErrors.invalidInput("ipv6_ra_mode set to '\(ra)' with ipv6_address_mode set to '\(address)' is not valid. If both attributes are set, they must be the same value")
        }
        for server in request.dnsNameservers ?? [] where IPAddress(server) == nil {
            throw NetworkErrors.invalidInput("'\(server)' is not a valid nameserver.")
        }
        for route in request.hostRoutes ?? [] {
            guard let destination = route["destination"]?.stringValue, CIDR(destination) != nil,
                let nexthop = route["nexthop"]?.stringValue, IPAddress(nexthop) != nil
            else { throw NetworkErrors.invalidInput("Invalid data format for hostroute: '\(route.jsonText())'") }
        }
        let project = try owningProject(request.projectID, auth: auth)
        let now = Timestamp.now()
        return try await write { q in
            let network = try await self.visibleNetwork(networkID, auth: auth, in: q)
            try self.policy.enforce("create_subnet", auth, target: NetworkPolicy.target(projectID: project, network: network))
            try await self.checkQuota("subnet", projectID: project, in: q)
            var pool: SubnetPoolRecord?
            if usesPool { pool = try await self.subnetPool(for: request, version: version, auth: auth, in: q) }
            let cidr = try await self.subnetRange(request, version: version, pool: pool, in: q)
            let gateway = try Self.gateway(request.gatewayIP, cidr: cidr)
            let pools = try self.allocationPools(request.allocationPools, cidr: cidr, gateway: gateway)
            for other in try await q.subnets(networkIDs: [networkID]) {
                if let existing = CIDR(other.cidr), existing.overlaps(cidr) {
                    throw NetworkErrors.invalidInput(
                        "Requested subnet with cidr: \(cidr) for network: \(networkID) overlaps with another subnet")
                }
            }
            let subnet = SubnetRecord(
                id: IDGenerator.uuid(), networkID: networkID, projectID: project, name: request.name ?? "",
                ipVersion: version, cidr: cidr.description, gatewayIP: gateway?.description,
                enableDHCP: request.enableDHCP ?? true, ipv6RAMode: request.ipv6RAMode,
                ipv6AddressMode: request.ipv6AddressMode, allocationPools: pools,
                dnsNameservers: request.dnsNameservers ?? [], hostRoutes: request.hostRoutes ?? [],
                standard: StandardAttributes(
                    description: request.description ?? "", createdAt: now, updatedAt: now, revisionNumber: 0,
                    tags: request.tags ?? []),
                subnetPoolID: pool?.id)
            try await q.save(subnet, exists: false)
            return subnet
        }
    }

    /// The subnet's range: the one asked for (inside the pool, when there is one), or the
    /// lowest free prefix of the pool of the asked (or the pool's default) length.
    private func subnetRange(_ request: SubnetRequest, version: Int, pool: SubnetPoolRecord?, in q: NetworkQueries)
        async throws -> CIDR
    {
        if let text = request.cidr {
            guard let cidr = CIDR(text, strict: true), cidr.version.rawValue == version else {
                throw NetworkErrors.invalidInput("'\(text)' is not a valid IPv\(version) subnet in CIDR form with no host bits set")
            }
            if version == 4, cidr.prefixLength > 30, request.enableDHCP ?? true {
                throw NetworkErrors.invalidInput("Prefix length /\(cidr.prefixLength) is too small for a subnet with DHCP")
            }
            if let pool {
                let prefixes = pool.prefixes.compactMap { CIDR($0) }
                guard prefixes.contains(where: { $0.contains(cidr.first) && $0.contains(cidr.last) }) else {
                    throw NetworkErrors.badRequest("subnet", "Cidr \(cidr) is not within the prefixes of subnet pool \(pool.id)")
                }
                if try await q.allocatedPrefixes(subnetPoolID: pool.id).contains(where: { $0.overlaps(cidr) }) {
                    throw APIError(.conflict, "Prefix \(cidr) is already allocated from subnet pool \(pool.id).", type: "SubnetAllocationError")
                }
            }
            return cidr
        }
        guard let pool else { throw NetworkErrors.badRequest("subnet", "a cidr or a subnet pool is required") }
        let length = request.prefixLength ?? pool.defaultPrefixLength
        guard (pool.minPrefixLength...pool.maxPrefixLength).contains(length) else {
            throw NetworkErrors.invalidInput("Requested prefix length /\(length) is outside the pool's range /\(pool.minPrefixLength)-/\(pool.maxPrefixLength)")
        }
        let taken = try await q.allocatedPrefixes(subnetPoolID: pool.id)
        guard let cidr = PrefixAllocator.firstFree(in: pool.prefixes.compactMap { CIDR($0) }, length: length, taken: taken) else {
            throw APIError(.conflict, "Insufficient prefix space to allocate subnet size /\(length).", type: "SubnetAllocationError")
        }
        return cidr
    }

    /// The default gateway is the first address; `null` asks for none.
    static func gateway(_ requested: String??, cidr: CIDR) throws -> IPAddress? {
        switch requested {
        case .none: return cidr.first.adding(1)
        case .some(.none): return nil
        case .some(.some(let text)):
            guard let address = IPAddress(text), cidr.contains(address) else {
                throw NetworkErrors.invalidInput("Gateway IP \(text) is not in the subnet \(cidr)")
            }
            if address == cidr.first || (cidr.version == .v4 && address == cidr.last && cidr.prefixLength < 31) {
                throw NetworkErrors.invalidInput("Gateway is not valid on subnet")
            }
            return address
        }
    }

    /// The requested pools, checked as Neutron does (inside the prefix, not overlapping,
    /// not holding the gateway), or the default ones.
    func allocationPools(_ requested: [(start: String, end: String)]?, cidr: CIDR, gateway: IPAddress?) throws
        -> [AddressRange]
    {
        guard let requested else { return AddressAllocator.defaultPools(for: cidr, gateway: gateway) }
        var pools: [AddressRange] = []
        for (start, end) in requested {
            guard let first = IPAddress(start), let last = IPAddress(end), first.version == cidr.version,
                last.version == cidr.version, first <= last
            else { throw NetworkErrors.invalidInput("The allocation pool \(start)-\(end) spans beyond the subnet cidr \(cidr).") }
            let pool = AddressRange(first: first, last: last)
            guard cidr.contains(first), cidr.contains(last), first != cidr.first,
                cidr.version == .v6 || last != cidr.last || cidr.prefixLength >= 31
            else {
                throw APIError(
                    .badRequest, "The allocation pool \(start)-\(end) spans beyond the subnet cidr \(cidr).",
                    type: "OutOfBoundsAllocationPool")
            }
            if let clash = pools.first(where: { $0.overlaps(pool) }) {
                throw APIError(
                    .badRequest, "Found overlapping allocation pools: \(clash.first)-\(clash.last) and \(start)-\(end) for subnet \(cidr).",
                    type: "OverlappingAllocationPools")
            }
            if let gateway, pool.contains(gateway) {
                throw APIError(
                    .conflict, "Gateway ip \(gateway) conflicts with allocation pool \(start)-\(end).",
                    type: "GatewayConflictWithAllocationPools")
            }
            pools.append(pool)
        }
        return pools
    }

    func listSubnets(auth: AuthContext) async throws -> [SubnetRecord] {
        try await read { q in
            let visibleTo = self.policy.isAdmin(auth) ? nil : auth.projectID ?? ""
            let networks = try await q.networks(visibleTo: visibleTo).map { $0.seen(by: auth.projectID) }
            let byID = Dictionary(uniqueKeysWithValues: networks.map { ($0.id, $0) })
            return try await q.subnets(networkIDs: networks.map(\.id)).filter { subnet in
                self.policy.allows(
                    "get_subnet", auth, target: NetworkPolicy.target(projectID: subnet.projectID, network: byID[subnet.networkID]))
            }
        }
    }

    func getSubnet(_ id: String, auth: AuthContext) async throws -> SubnetRecord {
        try await read { q in try await self.visibleSubnet(id, auth: auth, in: q).subnet }
    }

    func visibleSubnet(_ id: String, auth: AuthContext, in q: NetworkQueries) async throws
        -> (subnet: SubnetRecord, network: NetworkRecord)
    {
        guard let subnet = try await q.subnets(ids: [id]).first, let network = try await q.network(id: subnet.networkID)?.seen(by: auth.projectID),
            policy.allows("get_subnet", auth, target: NetworkPolicy.target(projectID: subnet.projectID, network: network))
        else { throw NetworkErrors.notFound("Subnet", id) }
        return (subnet, network)
    }

    func updateSubnet(_ id: String, _ request: SubnetRequest, expectedRevision: Int64? = nil, auth: AuthContext)
        async throws -> SubnetRecord
    {
        try await write { q in
            var (subnet, network) = try await self.visibleSubnet(id, auth: auth, in: q)
            try Self.requireRevision(expectedRevision, current: subnet.standard.revisionNumber)
            try self.policy.enforce("update_subnet", auth, target: NetworkPolicy.target(projectID: subnet.projectID, network: network))
            if let name = request.name { subnet.name = name }
            if let description = request.description { subnet.standard.description = description }
            if let enableDHCP = request.enableDHCP { subnet.enableDHCP = enableDHCP }
            if let servers = request.dnsNameservers { subnet.dnsNameservers = servers }
            if let routes = request.hostRoutes { subnet.hostRoutes = routes }
            if let tags = request.tags { subnet.standard.tags = tags }
            if let cidr = CIDR(subnet.cidr) {
                if case .some(let gatewayText) = request.gatewayIP {
                    let gateway = gatewayText.flatMap(IPAddress.init)
                    if let gatewayText, gateway == nil || !cidr.contains(gateway!) {
                        throw NetworkErrors.invalidInput("Gateway IP \(gatewayText) is not in the subnet \(cidr)")
                    }
                    subnet.gatewayIP = gateway?.description
                }
                if let pools = request.allocationPools {
                    subnet.allocationPools = try self.allocationPools(pools, cidr: cidr, gateway: subnet.gatewayIP.flatMap(IPAddress.init))
                } else if let gateway = subnet.gatewayIP.flatMap(IPAddress.init),
                    subnet.allocationPools.contains(where: { $0.contains(gateway) })
                {
                    throw APIError(
                        .conflict, "Gateway ip \(gateway) conflicts with allocation pool \(subnet.allocationPools.map { "\($0.first)-\($0.last)" }.joined(separator: ", "))",
                        type: "GatewayConflictWithAllocationPools")
                }
            }
            subnet.standard.updatedAt = Timestamp.now()
            subnet.standard.revisionNumber += 1
            try await q.save(subnet, exists: true)
            if request.allocationPools != nil { try await q.rebuildFreeRanges(subnet) }
            return subnet
        }
    }

    func deleteSubnet(_ id: String, expectedRevision: Int64? = nil, auth: AuthContext) async throws {
        try await write { q in
            let (subnet, network) = try await self.visibleSubnet(id, auth: auth, in: q)
            try Self.requireRevision(expectedRevision, current: subnet.standard.revisionNumber)
            try self.policy.enforce("delete_subnet", auth, target: NetworkPolicy.target(projectID: subnet.projectID, network: network))
            if try await q.allocationCount(subnetID: id) > 0 {
                throw APIError(
                    .conflict, "Unable to complete operation on subnet \(id): One or more ports have an IP allocation from this subnet.",
                    type: "SubnetInUse")
            }
            try await q.delete("subnets", id: id)
            try await q.deleteFreeRanges(subnetID: id)
        }
    }
}
