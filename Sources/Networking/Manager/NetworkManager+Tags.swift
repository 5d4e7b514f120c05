import StratusKit

extension NetworkManager {
    /// The tags of a network, subnet or port the caller may see.
    func tags(_ collection: String, _ id: String, auth: AuthContext) async throws -> [String] {
        try await read { q in try await self.taggable(collection, id, auth: auth, in: q).tags }
    }

    /// Replaces the tags with what `change` makes of them, under the resource's update rule.
    func changeTags(
        _ collection: String, _ id: String, auth: AuthContext,
        _ change: @escaping @Sendable ([String]) throws -> [String]
    ) async throws -> [String] {
        try await write { q in
            let found = try await self.taggable(collection, id, auth: auth, in: q)
            try self.policy.enforce(found.updateRule, auth, target: found.target)
            let tags = try change(found.tags)
            try await q.setTags(id, tags)
            return tags
        }
    }

    private func taggable(_ collection: String, _ id: String, auth: AuthContext, in q: NetworkQueries) async throws
        -> (tags: [String], updateRule: String, target: PolicyAttributes)
    {
        switch collection {
        case "networks":
            let network = try await visibleNetwork(id, auth: auth, in: q)
            return (network.standard.tags, "update_network", NetworkPolicy.target(projectID: network.projectID, network: network))
        case "subnets":
            let (subnet, network) = try await visibleSubnet(id, auth: auth, in: q)
            return (subnet.standard.tags, "update_subnet", NetworkPolicy.target(projectID: subnet.projectID, network: network))
        default:
            let (port, network) = try await visiblePort(id, auth: auth, in: q)
            return (port.standard.tags, "update_port", NetworkPolicy.target(projectID: port.projectID, network: network))
        }
    }
}
