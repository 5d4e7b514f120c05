import StratusKit

extension NetworkService {
    /// Makes sure the external network `public` exists: flat on physical network `public`,
    /// owned by the admin project, external (routers and floating IPs use it), with the
    /// documentation range 203.0.113.0/24 as its subnet. Idempotent.
    public func bootstrap(adminProjectID: String) async throws {
        let now = Timestamp.now()
        try await manager.write { q in
            if try await q.networks(visibleTo: nil).contains(where: { $0.name == "public" && $0.projectID == adminProjectID }) {
                return
            }
            let segment = SegmentRecord(networkType: "flat", physicalNetwork: "public", segmentationID: nil)
            let network = NetworkRecord(
                id: IDGenerator.uuid(), projectID: adminProjectID, name: "public", adminStateUp: true, shared: false,
                external: true, mtu: self.manager.settings.mtu(for: "flat"), portSecurityEnabled: true, status: "ACTIVE",
                availabilityZoneHints: [],
                standard: StandardAttributes(description: "The cloud's external network", createdAt: now, updatedAt: now, revisionNumber: 1),
                segments: [segment])
            try await q.save(network, exists: false)
            let cidr = CIDR("203.0.113.0/24")!
            let gateway = cidr.first.adding(1)
            let subnet = SubnetRecord(
                id: IDGenerator.uuid(), networkID: network.id, projectID: adminProjectID, name: "public-subnet", ipVersion: 4,
                cidr: cidr.description, gatewayIP: gateway.description, enableDHCP: false, ipv6RAMode: nil,
                ipv6AddressMode: nil, allocationPools: AddressAllocator.defaultPools(for: cidr, gateway: gateway),
                dnsNameservers: [], hostRoutes: [],
                standard: StandardAttributes(createdAt: now, updatedAt: now, revisionNumber: 0))
            try await q.save(subnet, exists: false)
        }
    }
}
