import Hummingbird
import StratusKit

extension NetworkAPI {
    static let networkAttributes: Set<String> = standardAttributes.union([
        "admin_state_up", "shared", "router:external", "mtu", "port_security_enabled", "availability_zone_hints",
        "provider:network_type", "provider:physical_network", "provider:segmentation_id", "segments", "dns_domain",
    ])

    static func networkRequest(_ fields: JSONFields) throws -> NetworkManager.NetworkRequest {
        var request = NetworkManager.NetworkRequest(
            projectID: try projectID(fields), name: try fields.string("name"),
            description: try fields.string("description"), adminStateUp: try fields.bool("admin_state_up"),
            shared: try fields.bool("shared"), external: try fields.bool("router:external"), mtu: try int(fields, "mtu"),
            portSecurityEnabled: try fields.bool("port_security_enabled"),
            availabilityZoneHints: try fields.stringArray("availability_zone_hints"), tags: try fields.stringArray("tags"),
            dnsDomain: try fields.string("dns_domain"))
        let type = try fields.string("provider:network_type")
        let physnet = try fields.string("provider:physical_network")
        let segmentation = try int(fields, "provider:segmentation_id")
        if let segments = try fields.objectArray("segments") {
            request.segments = try segments.map { segment in
                guard let type = try segment.string("provider:network_type") else {
                    throw NetworkErrors.invalidInput("provider:network_type required in each segment")
                }
                return SegmentRecord(
                    networkType: type, physicalNetwork: try segment.string("provider:physical_network") ?? "",
                    segmentationID: try int(segment, "provider:segmentation_id"))
            }
        }
        if type != nil || physnet != nil || segmentation != nil {
            guard let type else {
                throw NetworkErrors.invalidInput("provider:network_type required")
            }
            request.providerSegment = SegmentRecord(
                networkType: type, physicalNetwork: physnet ?? "", segmentationID: segmentation)
        }
        return request
    }

    func renderNetwork(_ network: NetworkRecord, auth: AuthContext, subnets: [String]) -> JSONValue {
        NetworkWire.network(
            network, subnets: subnets,
            showProvider: policy.allows("get_network:provider", auth, target: NetworkPolicy.target(projectID: network.projectID, network: network)))
    }

    func subnetIDs(of networks: [String]) async throws -> [String: [String]] {
        try await manager.read { q in
            var result: [String: [String]] = [:]
            for subnet in try await q.subnets(networkIDs: networks) { result[subnet.networkID, default: []].append(subnet.id) }
            return result
        }
    }

    func registerNetworks(on router: Router<StratusRequestContext>) {
        router.post("/v2.0/networks") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try Self.body(try await request.jsonObject(context: context), "network", allowed: Self.networkAttributes)
            let network = try await manager.createNetwork(try Self.networkRequest(fields), auth: auth)
            return respond(.created, "network", renderNetwork(network, auth: auth, subnets: []))
        }
        router.get("/v2.0/networks") { request, context in
            let auth = try context.requireAuth()
            let networks = try await manager.listNetworks(auth: auth)
            let subnets = try await subnetIDs(of: networks.map(\.id))
            let rendered = networks.map { renderNetwork($0, auth: auth, subnets: subnets[$0.id] ?? []) }
            return try NeutronList(request: request).respond("networks", rendered, path: "/v2.0/networks", baseURL: publicURL)
        }
        router.get("/v2.0/networks/{network_id}") { _, context in
            let auth = try context.requireAuth()
            let network = try await manager.getNetwork(try context.parameters.require("network_id"), auth: auth)
            let subnets = try await subnetIDs(of: [network.id])
            return respond("network", renderNetwork(network, auth: auth, subnets: subnets[network.id] ?? []))
        }
        router.put("/v2.0/networks/{network_id}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try Self.body(try await request.jsonObject(context: context), "network", allowed: Self.networkAttributes)
            let network = try await manager.updateNetwork(
                try context.parameters.require("network_id"), try Self.networkRequest(fields),
                expectedRevision: try request.expectedRevision(), auth: auth)
            let subnets = try await subnetIDs(of: [network.id])
            return respond("network", renderNetwork(network, auth: auth, subnets: subnets[network.id] ?? []))
        }
        router.delete("/v2.0/networks/{network_id}") { request, context in
            let auth = try context.requireAuth()
            try await manager.deleteNetwork(try context.parameters.require("network_id"), expectedRevision: try request.expectedRevision(), auth: auth)
            return JSONResponse.empty()
        }
    }
}
