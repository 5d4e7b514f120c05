import StratusKit

/// The lookups the metadata service makes: subnets for network_data.json, the port behind a
/// fixed address, and the floating addresses of a server's ports.
extension HTTPNetworkClient {
    public func subnets(ids: [String]) async throws -> [SubnetSummary] {
        guard !ids.isEmpty else { return [] }
        let answer = try caller.expect(
            try await caller.send(.GET, "/v2.0/subnets" + ServiceCaller.query(ids.map { ("id", $0) })), 200)
        return (try caller.field(answer, "subnets").arrayValue ?? []).compactMap(Self.subnet)
    }

    public func ports(fixedIP ipAddress: String, networkIDs: [String]) async throws -> [PortSummary] {
        guard !networkIDs.isEmpty else { return [] }
        let query = [("fixed_ips", "ip_address=" + ipAddress)] + networkIDs.map { ("network_id", $0) }
        let answer = try caller.expect(try await caller.send(.GET, "/v2.0/ports" + ServiceCaller.query(query)), 200)
        return try (try caller.field(answer, "ports").arrayValue ?? []).map(portSummary)
    }

    public func floatingIPAddresses(portIDs: [String]) async throws -> [String: [String]] {
        guard !portIDs.isEmpty else { return [:] }
        let answer = try caller.expect(
            try await caller.send(.GET, "/v2.0/floatingips" + ServiceCaller.query(portIDs.map { ("port_id", $0) })), 200)
        var addresses: [String: [String]] = [:]
        for floating in try caller.field(answer, "floatingips").arrayValue ?? [] {
            guard let port = floating["port_id"]?.stringValue, let address = floating["floating_ip_address"]?.stringValue
            else { continue }
            addresses[port, default: []].append(address)
        }
        return addresses
    }

    static func subnet(_ json: JSONValue) -> SubnetSummary? {
        guard let id = json["id"]?.stringValue, let networkID = json["network_id"]?.stringValue,
            let cidr = json["cidr"]?.stringValue
        else { return nil }
        return SubnetSummary(
            id: id, networkID: networkID, ipVersion: Int(json["ip_version"]?.intValue ?? 4), cidr: cidr,
            gatewayIP: json["gateway_ip"]?.stringValue,
            dnsNameservers: (json["dns_nameservers"]?.arrayValue ?? []).compactMap(\.stringValue),
            hostRoutes: (json["host_routes"]?.arrayValue ?? []).compactMap { route in
                guard let destination = route["destination"]?.stringValue, let nexthop = route["nexthop"]?.stringValue
                else { return nil }
                return SubnetSummary.HostRoute(destination: destination, nexthop: nexthop)
            },
            enableDHCP: json["enable_dhcp"]?.boolValue ?? true, ipv6AddressMode: json["ipv6_address_mode"]?.stringValue)
    }
}
