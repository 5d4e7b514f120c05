import StratusKit

extension NetworkService {
    /// Makes sure the cloud's two starting networks exist, both owned by the admin project, as
    /// DevStack leaves them:
    /// - `public`: flat on physical network `public`, external (routers and floating IPs use
    ///   it), with subnet `public-subnet` 203.0.113.0/24, no DHCP;
    /// - `private`: a project network of the tenant network type (neither shared nor
    ///   external), with subnet `private-subnet` 198.51.100.0/24, DHCP on, gateway .1.
    /// - `router1`: the router joining them, as DevStack's: its gateway on `public` (SNAT), an
    ///   interface holding `private-subnet`'s gateway address; so a server on `private` can
    ///   have a floating IP (openstacksdk's `create_server` asks for one by default).
    /// Each network is created only when the admin project has no network of that name; the
    /// router only together with both networks, on a fresh cloud. Idempotent.
    public func bootstrap(adminProjectID: String) async throws {
        let now = Timestamp.now()
        try await manager.write { q in
            let existing = try await q.networks(visibleTo: nil).filter { $0.projectID == adminProjectID }.map(\.name)
            let fresh = !existing.contains("public") && !existing.contains("private")
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
            if fresh { try await self.createRouter(projectID: adminProjectID, now: now, in: q) }
        }
    }

    /// `router1`: gateway on `public`, interface on `private-subnet` (both just created).
    private func createRouter(projectID: String, now: Timestamp, in q: NetworkQueries) async throws {
        let networks = try await q.networks(visibleTo: nil).filter { $0.projectID == projectID }
        guard let external = networks.first(where: { $0.name == "public" }),
            let project = networks.first(where: { $0.name == "private" }),
            let subnet = try await q.subnets(networkIDs: [project.id]).first, let gateway = subnet.gatewayIP
        else { return }
        var router = RouterRecord(
            id: IDGenerator.uuid(), projectID: projectID, name: "router1", adminStateUp: true, status: "ACTIVE",
            gatewayPortID: nil, enableSNAT: true, routes: [], distributed: false, ha: false,
            standard: StandardAttributes(createdAt: now, updatedAt: now, revisionNumber: 1))
        let gatewayPort = try await manager.servicePort(
            on: external, projectID: "", deviceID: router.id, deviceOwner: "network:router_gateway", fixedIPs: nil, in: q)
        router.gatewayPortID = gatewayPort.id
        try await q.save(router, exists: false)
        _ = try await manager.servicePort(
            on: project, projectID: projectID, deviceID: router.id, deviceOwner: "network:router_interface",
            fixedIPs: [(subnet.id, gateway)], in: q)
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
