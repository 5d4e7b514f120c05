import StratusKit

/// `network-ip-availabilities`: how many addresses each network's subnets have and use
/// (their allocation pools, and the addresses allocated in them).
extension NetworkManager {
    struct SubnetAvailability: Sendable {
        var subnet: SubnetRecord
        var total: UInt64
        var used: Int
    }

    func ipAvailabilities(auth: AuthContext, networkID: String? = nil) async throws
        -> [(network: NetworkRecord, subnets: [SubnetAvailability])]
    {
        try policy.enforce("get_network_ip_availability", auth, target: ["project_id": .optional(auth.projectID)])
        return try await read { q in
            var networks = try await q.networks(ids: networkID.map { [$0] })
            networks = networks.filter { !$0.external || self.policy.isAdmin(auth) }
            if let networkID, networks.isEmpty { throw NetworkErrors.notFound("Network", networkID) }
            let subnets = try await q.subnets(networkIDs: networks.map(\.id))
            var result: [(network: NetworkRecord, subnets: [SubnetAvailability])] = []
            for network in networks {
                var entries: [SubnetAvailability] = []
                for subnet in subnets where subnet.networkID == network.id {
                    let total = subnet.allocationPools.reduce(UInt64(0)) { sum, pool in
                        let size = pool.last.value - pool.first.value + 1
                        return sum &+ (size > UInt128(UInt64.max) ? UInt64.max : UInt64(size))
                    }
                    entries.append(SubnetAvailability(subnet: subnet, total: total, used: try await q.allocationCount(subnetID: subnet.id)))
                }
                result.append((network, entries))
            }
            return result
        }
    }
}
