/// A network as the compute service needs to know it.
public struct NetworkSummary: Sendable {
    public var id: String
    public var name: String
    public var projectID: String
    public var status: String
    public var shared: Bool
    public var external: Bool
    public var adminStateUp: Bool
    public var subnetIDs: [String]
    public var mtu: Int?

    public init(
        id: String, name: String, projectID: String, status: String, shared: Bool, external: Bool, adminStateUp: Bool,
        subnetIDs: [String], mtu: Int? = nil
    ) {
        self.id = id
        self.name = name
        self.projectID = projectID
        self.status = status
        self.shared = shared
        self.external = external
        self.adminStateUp = adminStateUp
        self.subnetIDs = subnetIDs
        self.mtu = mtu
    }
}

/// One of a port's addresses, or (in a request) a subnet and/or address asked for.
public struct PortFixedIP: Sendable, Equatable {
    public var subnetID: String?
    public var ipAddress: String?

    public init(subnetID: String? = nil, ipAddress: String? = nil) {
        self.subnetID = subnetID
        self.ipAddress = ipAddress
    }
}

/// A port as the compute service needs to know it (binding fields as an admin sees them).
public struct PortSummary: Sendable {
    public var id: String
    public var networkID: String
    public var projectID: String
    public var macAddress: String
    public var status: String
    public var deviceID: String
    public var deviceOwner: String
    public var bindingHostID: String
    public var bindingVIFType: String
    public var fixedIPs: [PortFixedIP]
    public var securityGroupIDs: [String]
    public var name: String
    public var adminStateUp: Bool

    public init(
        id: String, networkID: String, projectID: String, macAddress: String, status: String, deviceID: String,
        deviceOwner: String, bindingHostID: String, bindingVIFType: String, fixedIPs: [PortFixedIP],
        securityGroupIDs: [String], name: String = "", adminStateUp: Bool = true
    ) {
        self.id = id
        self.networkID = networkID
        self.projectID = projectID
        self.macAddress = macAddress
        self.status = status
        self.deviceID = deviceID
        self.deviceOwner = deviceOwner
        self.bindingHostID = bindingHostID
        self.bindingVIFType = bindingVIFType
        self.fixedIPs = fixedIPs
        self.securityGroupIDs = securityGroupIDs
        self.name = name
        self.adminStateUp = adminStateUp
    }
}

/// A port for a server, made on its behalf in its project.
public struct PortCreateRequest: Sendable {
    public var networkID: String
    public var projectID: String
    /// Addresses asked for; empty for one address from the network's first subnet of each IP version.
    public var fixedIPs: [PortFixedIP]
    /// Security group ids; nil for the project's `default` group.
    public var securityGroups: [String]?
    public var deviceID: String
    public var deviceOwner: String
    /// The host to bind the port to at once; nil to leave it unbound.
    public var hostID: String?
    public var name: String?

    public init(
        networkID: String, projectID: String, fixedIPs: [PortFixedIP] = [], securityGroups: [String]? = nil,
        deviceID: String = "", deviceOwner: String = "", hostID: String? = nil, name: String? = nil
    ) {
        self.networkID = networkID
        self.projectID = projectID
        self.fixedIPs = fixedIPs
        self.securityGroups = securityGroups
        self.deviceID = deviceID
        self.deviceOwner = deviceOwner
        self.hostID = hostID
        self.name = name
    }
}

/// The Networking API as the compute service uses it: choosing networks, making and
/// binding a server's ports, and releasing them.
public protocol NetworkClient: Sendable {
    /// The network, or nil when it does not exist.
    func network(id: String) async throws -> NetworkSummary?
    /// The networks among `ids` that exist, in one request.
    func networks(ids: [String]) async throws -> [NetworkSummary]
    /// The project's own networks and the shared ones, none external (Nova's `auto` choice).
    func networksAvailable(toProject projectID: String) async throws -> [NetworkSummary]
    /// Security group names (or ids) of the project → ids; a 400 error names one that is unknown or ambiguous.
    func securityGroupIDs(named names: [String], projectID: String) async throws -> [String]
    func createPort(_ request: PortCreateRequest) async throws -> PortSummary
    /// The port, or nil when it does not exist.
    func port(id: String) async throws -> PortSummary?
    func ports(deviceID: String) async throws -> [PortSummary]
    /// Binds the port to `hostID` for the device (ML2 then reports its VIF type and status).
    func bindPort(id: String, hostID: String, deviceID: String, deviceOwner: String) async throws -> PortSummary
    /// Clears device_id, device_owner and binding:host_id; a port that is gone is not an error.
    func unbindPort(id: String) async throws
    /// Deletes the port; a port that is gone is not an error.
    func deletePort(id: String) async throws
    /// The subnets among `ids` that exist, in one request (for a server's network metadata).
    func subnets(ids: [String]) async throws -> [SubnetSummary]
    /// The ports on any of `networkIDs` holding the fixed address `ipAddress` (how Neutron's
    /// metadata agent finds the server behind a request's source address).
    func ports(fixedIP ipAddress: String, networkIDs: [String]) async throws -> [PortSummary]
    /// The floating addresses associated with each of the ports, by port id.
    func floatingIPAddresses(portIDs: [String]) async throws -> [String: [String]]
}
