import ServiceClients
import StratusKit

/// A server's interfaces as the Network API describes them now: each port with its
/// network, the subnets of its addresses and its floating addresses. What network_data.json,
/// the EC2 addresses and the config drive are made from.
struct GuestNetworkDescription: Sendable {
    struct Interface: Sendable {
        var port: PortSummary
        var network: NetworkSummary?
        /// The subnets the port has addresses on, in the order of its fixed IPs.
        var subnets: [SubnetSummary]
        var floatingIPs: [String]
        /// The tag the create gave the interface (device metadata).
        var tag: String?
    }

    var interfaces: [Interface]

    /// The server's ports, in the order of its interfaces (ports the cache does not know yet last).
    static func gather(_ instance: InstanceRecord, network client: any NetworkClient) async throws -> GuestNetworkDescription {
        let ports = try await client.ports(deviceID: instance.uuid)
        guard !ports.isEmpty else { return GuestNetworkDescription(interfaces: []) }
        let order = Dictionary(
            instance.networkInfo.enumerated().map { ($1.portID, $0) }, uniquingKeysWith: { first, _ in first })
        let sorted = ports.enumerated().sorted { left, right in
            (order[left.element.id] ?? order.count + left.offset) < (order[right.element.id] ?? order.count + right.offset)
        }.map(\.element)
        let networks = Dictionary(
            try await client.networks(ids: Array(Set(ports.map(\.networkID)))).map { ($0.id, $0) },
            uniquingKeysWith: { first, _ in first })
        let subnetIDs = Array(Set(ports.flatMap { $0.fixedIPs.compactMap(\.subnetID) }))
        let subnets = Dictionary(
            try await client.subnets(ids: subnetIDs).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let floating = try await client.floatingIPAddresses(portIDs: ports.map(\.id))
        let tags = Dictionary(
            instance.networkInfo.map { ($0.portID, $0.tag) }, uniquingKeysWith: { first, _ in first })
        return GuestNetworkDescription(
            interfaces: sorted.map { port in
                var seen = Set<String>()
                let portSubnets = port.fixedIPs.compactMap(\.subnetID).filter { seen.insert($0).inserted }
                    .compactMap { subnets[$0] }
                return Interface(
                    port: port, network: networks[port.networkID], subnets: portSubnets,
                    floatingIPs: floating[port.id] ?? [], tag: tags[port.id] ?? nil)
            })
    }

    /// The fixed IPv4 addresses, interface by interface.
    var fixedIPv4Addresses: [String] {
        interfaces.flatMap { $0.port.fixedIPs.compactMap(\.ipAddress).filter(CIDRText.isIPv4) }
    }

    var floatingIPAddresses: [String] { interfaces.flatMap(\.floatingIPs) }
}
