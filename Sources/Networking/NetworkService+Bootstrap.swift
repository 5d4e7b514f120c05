import StratusKit

extension NetworkService {
    /// Makes sure the cloud's two starting networks exist, both owned by the admin project, as
    /// DevStack leaves them:
    /// - `public`: flat on physical network `public`, external (routers and floating IPs use
    ///   it), with subnet `public-subnet` 203.0.113.0/24, no DHCP;
    /// - `private`: a project network of the tenant network type (neither shared nor
    ///   external), with subnet `private-subnet` 198.51.100.0/24, DHCP on, gateway .1.
    /// Each is created only when the admin project has no network of that name. Idempotent.
    public func bootstrap(adminProjectID: String) async throws {
        let now = Timestamp.now()
        try await manager.write { q in
            let existing = try await q.networks(visibleTo: nil).filter { $0.projectID == adminProjectID }.map(\.name)
            if !existing.contains("public") {
                let segment = SegmentRecord(networkType: "flat", physicalNetwork: "public", segmentationID: nil)
                try await Self.createNetwork(
                    name: "public", description: "The cloud's external network", external: true, segment: segment,
                    mtu: self.manager.settings.mtu(for: "flat"), subnetName: "public-subnet", cidr: "203.0.113.0/24",
                    enableDHCP: false, projectID: adminProjectID, now: now, in: q)
            }
            if !existing.contains("private") {
                let segment = try await self.manager.typeDrivers.allocateTenantSegment(in: q)
                try await Self.createNetwork(
                    name: "private", description: "The admin project's private network", external: false, segment: segment,
                    mtu: self.manager.settings.mtu(for: segment.networkType), subnetName: "private-subnet",
                    cidr: "198.51.100.0/24", enableDHCP: true, projectID: adminProjectID, now: now, in: q)
            }
        }
    }

    /// One network with one IPv4 subnet whose gateway is the range's first address.
    private static func createNetwork(
        name: String, description: String, external: Bool, segment: SegmentRecord, mtu: Int64, subnetName: String,
        cidr text: String, enableDHCP: Bool, projectID: String, now: Timestamp, in q: NetworkQueries
    ) async throws {
        let network = NetworkRecord(
            id: IDGenerator.uuid(), projectID: projectID, name: name, adminStateUp: true, shared: false,
            external: external, mtu: mtu, portSecurityEnabled: true, status: "ACTIVE", availabilityZoneHints: [],
            standard: StandardAttributes(description: description, createdAt: now, updatedAt: now, revisionNumber: 1),
            segments: [segment])
        try await q.save(network, exists: false)
        let cidr = CIDR(text)!
        let gateway = cidr.first.adding(1)
        let subnet = SubnetRecord(
            id: IDGenerator.uuid(), networkID: network.id, projectID: projectID, name: subnetName, ipVersion: 4,
            cidr: cidr.description, gatewayIP: gateway.description, enableDHCP: enableDHCP, ipv6RAMode: nil,
            ipv6AddressMode: nil, allocationPools: AddressAllocator.defaultPools(for: cidr, gateway: gateway),
            dnsNameservers: [], hostRoutes: [],
            standard: StandardAttributes(createdAt: now, updatedAt: now, revisionNumber: 0))
        try await q.save(subnet, exists: false)
    }
}
