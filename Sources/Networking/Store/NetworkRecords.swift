import StratusKit

/// The attributes every Neutron resource carries (the standard-attr extension).
struct StandardAttributes: Sendable {
    var description: String = ""
    var createdAt: Timestamp
    var updatedAt: Timestamp
    var revisionNumber: Int64 = 0
    var tags: [String] = []
}

/// A network segment: how the network is carried on the wire (ML2's type drivers).
struct SegmentRecord: Sendable, Equatable {
    var networkType: String
    /// Empty for tunnel and local networks.
    var physicalNetwork: String
    /// The VLAN id, VNI or GRE key; nil for flat and local networks.
    var segmentationID: Int64?
}

struct NetworkRecord: Sendable {
    var id: String
    var projectID: String
    var name: String
    var adminStateUp: Bool
    var shared: Bool
    var external: Bool
    var mtu: Int64
    var portSecurityEnabled: Bool
    var status: String
    var availabilityZoneHints: [String]
    var standard: StandardAttributes
    var dnsDomain = ""
    var segments: [SegmentRecord] = []
    /// Projects (or `*`) RBAC policies share the network with, and make it external for.
    var sharedWith: [String] = []
    var externalFor: [String] = []
    /// The project looking at the network, for what RBAC grants it.
    var viewer: String?

    /// Shared as the viewer sees it: shared with everyone, or by an RBAC policy with it.
    var isSharedForViewer: Bool {
        shared || sharedWith.contains("*") || (viewer.map { sharedWith.contains($0) } ?? false)
    }

    var isExternalForViewer: Bool {
        external || externalFor.contains("*") || (viewer.map { externalFor.contains($0) } ?? false)
    }

    func seen(by project: String?) -> NetworkRecord {
        var copy = self
        copy.viewer = project
        return copy
    }
}

/// An RBAC policy: a network shared with one project (or all), as a network or as an
/// external network.
/// A named set of CIDRs that security group rules may name as their remote end.
struct AddressGroupRecord: Sendable {
    var id: String
    var projectID: String
    var name: String
    /// Normalized CIDRs (`10.0.0.0/24`, `192.0.2.1/32`), sorted.
    var addresses: [String]
    var standard: StandardAttributes
}

struct RBACPolicyRecord: Sendable {
    var id: String
    var projectID: String
    var objectType: String
    var objectID: String
    var action: String
    var targetProject: String
    var standard: StandardAttributes
}

struct SubnetRecord: Sendable {
    var id: String
    var networkID: String
    var projectID: String
    var name: String
    var ipVersion: Int
    var cidr: String
    var gatewayIP: String?
    var enableDHCP: Bool
    var ipv6RAMode: String?
    var ipv6AddressMode: String?
    var allocationPools: [AddressRange]
    var dnsNameservers: [String]
    var hostRoutes: [JSONValue]
    var standard: StandardAttributes
    var subnetPoolID: String? = nil
}

struct FixedIP: Sendable, Equatable {
    var subnetID: String
    var ipAddress: String
}

struct PortRecord: Sendable {
    var id: String
    var networkID: String
    var projectID: String
    var name: String
    var macAddress: String
    var adminStateUp: Bool
    var status: String
    var deviceID: String
    var deviceOwner: String
    var bindingHostID: String
    var bindingVIFType: String
    var bindingVNICType: String
    var bindingProfile: [String: JSONValue]
    var portSecurityEnabled: Bool
    var allowedAddressPairs: [JSONValue]
    var dnsName: String
    var standard: StandardAttributes
    var fixedIPs: [FixedIP] = []
    var securityGroups: [String] = []
}

struct SecurityGroupRecord: Sendable {
    var id: String
    var projectID: String
    var name: String
    var stateful: Bool
    var standard: StandardAttributes
    var rules: [SecurityGroupRuleRecord] = []
}

struct SecurityGroupRuleRecord: Sendable {
    var id: String
    var securityGroupID: String
    var projectID: String
    var direction: String
    var ethertype: String
    /// A protocol name (`tcp`) or number as given; nil for any protocol.
    var proto: String?
    var portRangeMin: Int64?
    var portRangeMax: Int64?
    var remoteIPPrefix: String?
    var remoteGroupID: String?
    var standard: StandardAttributes
    var remoteAddressGroupID: String? = nil

    /// Two rules are the same rule when they match the same traffic.
    func sameTraffic(as other: SecurityGroupRuleRecord) -> Bool {
        securityGroupID == other.securityGroupID && direction == other.direction && ethertype == other.ethertype
            && proto == other.proto && portRangeMin == other.portRangeMin && portRangeMax == other.portRangeMax
            && remoteIPPrefix == other.remoteIPPrefix && remoteGroupID == other.remoteGroupID
            && remoteAddressGroupID == other.remoteAddressGroupID
    }
}

struct RouterRecord: Sendable {
    var id: String
    var projectID: String
    var name: String
    var adminStateUp: Bool
    var status: String
    /// The router's port on its external network, when it has a gateway.
    var gatewayPortID: String?
    var enableSNAT: Bool
    /// Extra routes: `{"destination": CIDR, "nexthop": address}`.
    var routes: [JSONValue]
    var distributed: Bool
    var ha: Bool
    var standard: StandardAttributes
}

struct FloatingIPRecord: Sendable {
    var id: String
    var projectID: String
    var floatingNetworkID: String
    var floatingIPAddress: String
    /// The port on the external network that holds the address.
    var floatingPortID: String
    var portID: String?
    var fixedIPAddress: String?
    var routerID: String?
    var status: String
    var standard: StandardAttributes
    var dnsName = ""
    var dnsDomain = ""
}

/// A pool of prefixes subnets are cut from (`subnetpool_id` + `prefixlen` on create).
struct SubnetPoolRecord: Sendable {
    var id: String
    var projectID: String
    var name: String
    var ipVersion: Int
    var prefixes: [String]
    var defaultPrefixLength: Int
    var minPrefixLength: Int
    var maxPrefixLength: Int
    var isDefault: Bool
    var shared: Bool
    var standard: StandardAttributes
}

/// An agent of the data plane (L2, DHCP, L3, metadata) as it last reported itself.
struct AgentRecord: Sendable {
    var id: String
    var agentType: String
    var binary: String
    var host: String
    var topic: String
    var availabilityZone: String?
    var adminStateUp: Bool
    var configurations: [String: JSONValue]
    var description: String
    var startedAt: Timestamp
    var createdAt: Timestamp
    var heartbeatAt: Timestamp
}
