import ServiceClients
import StratusKit

/// `network_data.json`, as Nova writes it: `links` (one per interface with addresses),
/// `networks` (the first IPv4 and the first IPv6 subnet of each interface) and `services`
/// (the subnets' DNS servers).
enum NetworkDataDocument {
    /// The VIF types Nova names as they are; any other link is `phy`.
    static let exposedVIFTypes: Set<String> = ["bridge", "dvs", "hw_veb", "hyperv", "ovs", "tap", "vhostuser", "vif"]

    static func make(_ description: GuestNetworkDescription) -> JSONValue {
        var links: [JSONValue] = []
        var networks: [JSONValue] = []
        var services: [JSONValue] = []
        for interface in description.interfaces {
            let firstV4 = interface.subnets.first { $0.ipVersion == 4 }
            let firstV6 = interface.subnets.first { $0.ipVersion == 6 }
            guard firstV4 != nil || firstV6 != nil else { continue }
            let port = interface.port
            // Nova's device name of a Neutron port: "tap" and the port id's first 11 characters.
            let linkID = "tap" + String(port.id.prefix(11))
            let dhcpProvidesMTU = interface.subnets.contains(where: \.enableDHCP)
            links.append([
                "id": .string(linkID), "vif_id": .string(port.id),
                "type": .string(exposedVIFTypes.contains(port.bindingVIFType) ? port.bindingVIFType : "phy"),
                "mtu": dhcpProvidesMTU ? .null : (interface.network?.mtu.map { .int(Int64($0)) } ?? .null),
                "ethernet_mac_address": .string(port.macAddress),
            ])
            for subnet in [firstV4, firstV6].compactMap({ $0 }) {
                let address = port.fixedIPs.first { $0.subnetID == subnet.id }?.ipAddress
                guard let address else { continue }
                networks.append(network(
                    subnet, address: address, index: networks.count, linkID: linkID, networkID: port.networkID))
                for dns in dnsServices(subnet) where !services.contains(dns) { services.append(dns) }
            }
        }
        return ["links": .array(links), "networks": .array(networks), "services": .array(services)]
    }

    private static func network(
        _ subnet: SubnetSummary, address: String, index: Int, linkID: String, networkID: String
    ) -> JSONValue {
        let id = JSONValue.string("network\(index)")
        var type = "ipv\(subnet.ipVersion)"
        if let mode = subnet.ipv6AddressMode {
            type += "_" + mode
        } else if subnet.enableDHCP {
            return ["id": id, "type": .string("ipv\(subnet.ipVersion)_dhcp"), "link": .string(linkID),
                    "network_id": .string(networkID)]
        }
        var routes: [JSONValue] = []
        if let gateway = subnet.gatewayIP, !gateway.isEmpty {
            let any = subnet.ipVersion == 4 ? "0.0.0.0" : "::"
            routes.append(["network": .string(any), "netmask": .string(any), "gateway": .string(gateway)])
        }
        for route in subnet.hostRoutes {
            guard let (network, netmask) = CIDRText.networkAndMask(route.destination) else { continue }
            routes.append(["network": .string(network), "netmask": .string(netmask), "gateway": .string(route.nexthop)])
        }
        return [
            "id": id, "type": .string(type), "link": .string(linkID), "ip_address": .string(address),
            "netmask": .string(CIDRText.networkAndMask(subnet.cidr)?.netmask ?? ""), "routes": .array(routes),
            "network_id": .string(networkID), "services": .array(dnsServices(subnet)),
        ]
    }

    private static func dnsServices(_ subnet: SubnetSummary) -> [JSONValue] {
        subnet.dnsNameservers.map { ["type": "dns", "address": .string($0)] }
    }
}
