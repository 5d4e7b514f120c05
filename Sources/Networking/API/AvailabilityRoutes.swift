import Hummingbird
import StratusKit

extension NetworkAPI {
    static func availabilityBody(_ network: NetworkRecord, _ subnets: [NetworkManager.SubnetAvailability]) -> JSONValue {
        let total = subnets.reduce(UInt64(0)) { $0 &+ $1.total }
        let used = subnets.reduce(0) { $0 + $1.used }
        return [
            "network_id": .string(network.id), "network_name": .string(network.name),
            "project_id": .string(network.projectID), "tenant_id": .string(network.projectID),
            "total_ips": .int(Int64(clamping: total)), "used_ips": .int(Int64(used)),
            "subnet_ip_availability": .array(subnets.map { entry in
                [
                    "subnet_id": .string(entry.subnet.id), "subnet_name": .string(entry.subnet.name),
                    "cidr": .string(entry.subnet.cidr), "ip_version": .int(Int64(entry.subnet.ipVersion)),
                    "total_ips": .int(Int64(clamping: entry.total)), "used_ips": .int(Int64(entry.used)),
                ]
            }),
        ]
    }

    func registerAvailability(on router: Router<StratusRequestContext>) {
        router.get("/v2.0/network-ip-availabilities") { request, context in
            let auth = try context.requireAuth()
            let all = try await manager.ipAvailabilities(auth: auth)
            return try NeutronList(request: request).respond(
                "network_ip_availabilities", all.map { Self.availabilityBody($0.network, $0.subnets) },
                path: "/v2.0/network-ip-availabilities", baseURL: publicURL)
        }
        router.get("/v2.0/network-ip-availabilities/{network_id}") { _, context in
            let auth = try context.requireAuth()
            let found = try await manager.ipAvailabilities(auth: auth, networkID: try context.parameters.require("network_id"))
            guard let entry = found.first else { throw NetworkErrors.notFound("Network", "") }
            return respond("network_ip_availability", Self.availabilityBody(entry.network, entry.subnets))
        }
    }
}
