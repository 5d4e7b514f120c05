/// A subnet as the compute service needs to know it: what a guest's network
/// configuration (network_data.json) is made of.
public struct SubnetSummary: Sendable, Equatable {
    /// One of a subnet's host routes.
    public struct HostRoute: Sendable, Equatable {
        public var destination: String
        public var nexthop: String

        public init(destination: String, nexthop: String) {
            self.destination = destination
            self.nexthop = nexthop
        }
    }

    public var id: String
    public var networkID: String
    public var ipVersion: Int
    public var cidr: String
    public var gatewayIP: String?
    public var dnsNameservers: [String]
    public var hostRoutes: [HostRoute]
    public var enableDHCP: Bool
    /// `slaac`, `dhcpv6-stateful`, `dhcpv6-stateless`, or nil.
    public var ipv6AddressMode: String?

    public init(
        id: String, networkID: String, ipVersion: Int, cidr: String, gatewayIP: String? = nil, dnsNameservers: [String] = [],
        hostRoutes: [HostRoute] = [], enableDHCP: Bool = true, ipv6AddressMode: String? = nil
    ) {
        self.id = id
        self.networkID = networkID
        self.ipVersion = ipVersion
        self.cidr = cidr
        self.gatewayIP = gatewayIP
        self.dnsNameservers = dnsNameservers
        self.hostRoutes = hostRoutes
        self.enableDHCP = enableDHCP
        self.ipv6AddressMode = ipv6AddressMode
    }
}
