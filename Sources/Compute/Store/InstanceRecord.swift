import StratusKit

/// A server as stored. The flavor it was built with is copied in (`flavor`), as Nova keeps
/// it, so a later change to the flavor does not change the server.
struct InstanceRecord: Sendable {
    var uuid: String
    var id: Int64
    var projectID: String
    var userID: String
    var name: String
    var description: String?
    var hostname: String
    var reservationID: String
    var launchIndex: Int
    var imageRef: String
    var flavor: InstanceFlavor
    var oldFlavor: InstanceFlavor?
    var newFlavor: InstanceFlavor?
    var imageProperties: [String: String]
    var keyName: String?
    var keyData: String?
    var userData: String?
    var configDrive: String
    var requestedAvailabilityZone: String?
    var availabilityZone: String?
    var request: BuildRequest
    var networkInfo: [InstanceVIF]
    var host: String?
    var node: String?
    var launchedOn: String?
    var vmState: String
    var taskState: String?
    var powerState: Int
    /// `owner` or `admin` while locked; nil when not locked.
    var lockedBy: String?
    var lockedReason: String?
    var accessIPv4: String?
    var accessIPv6: String?
    var progress: Int
    var rootDeviceName: String?
    var createdAt: Timestamp
    var updatedAt: Timestamp
    var launchedAt: Timestamp?
    var terminatedAt: Timestamp?
    var deletedAt: Timestamp?
    var deleted: Bool
    var metadata: [String: String] = [:]
    var tags: [String] = []

    /// Nova's name of the guest on its hypervisor.
    var instanceName: String { Self.guestName(id: id) }

    /// Nova's `instance_name_template`, `instance-%08x`.
    static func guestName(id: Int64) -> String {
        let hex = String(id, radix: 16)
        return "instance-" + String(repeating: "0", count: max(0, 8 - hex.count)) + hex
    }

    var status: String { ServerStatus.of(vmState: vmState, taskState: taskState) }
}

/// The flavor copied into a server.
struct InstanceFlavor: Sendable, Codable, Equatable {
    var flavorID: String
    var name: String
    var memoryMB: Int
    var vcpus: Int
    var rootGB: Int
    var ephemeralGB: Int
    var swapMB: Int
    var rxtxFactor: Double
    var isPublic: Bool
    var description: String?
    var extraSpecs: [String: String]

    init(_ flavor: FlavorRecord) {
        flavorID = flavor.flavorID
        name = flavor.name
        memoryMB = Int(flavor.memoryMB)
        vcpus = Int(flavor.vcpus)
        rootGB = Int(flavor.rootGB)
        ephemeralGB = Int(flavor.ephemeralGB)
        swapMB = Int(flavor.swapMB)
        rxtxFactor = flavor.rxtxFactor
        isPublic = flavor.isPublic
        description = flavor.description
        extraSpecs = flavor.extraSpecs
    }

    var guestFlavor: GuestFlavor {
        GuestFlavor(vcpus: vcpus, memoryMB: memoryMB, rootGB: rootGB, ephemeralGB: ephemeralGB, swapMB: swapMB)
    }
}

/// One network a server asked for at create time: a network (optionally with a fixed IP)
/// or an existing port.
struct RequestedNetwork: Sendable, Codable, Equatable {
    var networkID: String?
    var portID: String?
    var fixedIP: String?
    var tag: String?
}

/// What the create request asked for beyond the instance's own columns; kept with the
/// instance so the conductor and the compute agent (and a reschedule) can read it back.
struct BuildRequest: Sendable, Codable, Equatable {
    /// nil for `none` (no network at all).
    var networks: [RequestedNetwork]
    /// Security group ids resolved at create time (empty: the project's `default`).
    var securityGroupIDs: [String]
    var securityGroupNames: [String]
    var serverGroupUUID: String?
    var sameHost: [String]
    var differentHost: [String]
    /// `host` / `node` forced by an admin with `availability_zone=az:host:node` or `host`.
    var forcedHost: String?
    var forcedNode: String?
    /// Hosts tried and failed, for the retry filter.
    var attemptedHosts: [String]
    /// The image a shelved server's disk was saved to, until it is unshelved.
    var shelvedImageID: String? = nil
    /// A resize or cold migration waiting for confirm or revert.
    var migration: PendingMigration? = nil
    /// The personality files of the create (or the latest rebuild that gave some).
    var injectedFiles: [InjectedFile]? = nil
    /// True when the server boots from a volume: its root disk is not on the host.
    var volumeBacked: Bool? = nil
}

/// Where a resized or migrated server came from, kept until the resize is confirmed or
/// reverted. Its resources on the source stay claimed in Placement under `uuid`.
struct PendingMigration: Sendable, Codable, Equatable {
    var uuid: String
    var sourceHost: String
    var sourceNode: String
    var kind: String
    var status: String
}

/// One interface of a server: Nova's network info cache entry.
struct InstanceVIF: Sendable, Codable, Equatable {
    var portID: String
    var networkID: String
    var networkName: String
    var macAddress: String
    var addresses: [String]
    /// Ports the server's create made are deleted with the server; ports passed in are
    /// only unbound.
    var createdByCompute: Bool
    var tag: String?
    /// Floating addresses associated with the port, as the last `network-changed` event
    /// found them (Nova's info cache).
    var floatingAddresses: [String] = []

    init(
        portID: String, networkID: String, networkName: String, macAddress: String, addresses: [String],
        createdByCompute: Bool, tag: String?, floatingAddresses: [String] = []
    ) {
        self.portID = portID
        self.networkID = networkID
        self.networkName = networkName
        self.macAddress = macAddress
        self.addresses = addresses
        self.createdByCompute = createdByCompute
        self.tag = tag
        self.floatingAddresses = floatingAddresses
    }

    private enum CodingKeys: String, CodingKey {
        case portID, networkID, networkName, macAddress, addresses, createdByCompute, tag, floatingAddresses
    }

    /// Records written before floating addresses were kept have none.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        portID = try container.decode(String.self, forKey: .portID)
        networkID = try container.decode(String.self, forKey: .networkID)
        networkName = try container.decode(String.self, forKey: .networkName)
        macAddress = try container.decode(String.self, forKey: .macAddress)
        addresses = try container.decode([String].self, forKey: .addresses)
        createdByCompute = try container.decode(Bool.self, forKey: .createdByCompute)
        tag = try container.decodeIfPresent(String.self, forKey: .tag)
        floatingAddresses = try container.decodeIfPresent([String].self, forKey: .floatingAddresses) ?? []
    }
}

/// An instance fault: why a server went to ERROR (shown as `fault` on the server).
struct InstanceFault: Sendable, Equatable {
    var instanceUUID: String
    var code: Int
    var message: String
    var details: String
    var host: String?
    var createdAt: Timestamp
}

/// An action taken on a server (`openstack server event list`) and its events.
struct InstanceActionRecord: Sendable {
    var id: Int64
    var requestID: String
    var action: String
    var instanceUUID: String
    var projectID: String
    var userID: String
    var message: String?
    var startTime: Timestamp
    var finishTime: Timestamp?
    var updatedAt: Timestamp
    var events: [InstanceActionEvent] = []
}

struct InstanceActionEvent: Sendable {
    var id: Int64
    var actionID: Int64
    var event: String
    var result: String?
    var traceback: String?
    var host: String?
    var details: String?
    var startTime: Timestamp
    var finishTime: Timestamp?
}
