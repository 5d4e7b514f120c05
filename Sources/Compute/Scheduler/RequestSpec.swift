/// The flavor as the scheduler sees it: sizes and extra specs, nothing about its API record.
public struct SchedulerFlavor: Sendable, Equatable {
    public var name: String
    public var memoryMB: Int
    public var vcpus: Int
    public var rootGB: Int
    public var ephemeralGB: Int
    public var swapMB: Int
    public var extraSpecs: [String: String]

    public init(
        name: String, memoryMB: Int, vcpus: Int, rootGB: Int, ephemeralGB: Int = 0, swapMB: Int = 0,
        extraSpecs: [String: String] = [:]
    ) {
        self.name = name
        self.memoryMB = memoryMB
        self.vcpus = vcpus
        self.rootGB = rootGB
        self.ephemeralGB = ephemeralGB
        self.swapMB = swapMB
        self.extraSpecs = extraSpecs
    }

    /// Local disk the server needs, in GB: root + ephemeral + swap rounded up to whole GB
    /// (Nova's DISK_GB amount).
    public var diskGB: Int { rootGB + ephemeralGB + (swapMB + 1023) / 1024 }
}

/// The image as the scheduler sees it: its properties (`hw_architecture`, `img_hv_type`,
/// `trait:…`) and minimums.
public struct SchedulerImage: Sendable, Equatable {
    public var id: String?
    public var properties: [String: String]
    public var minRamMB: Int
    public var minDiskGB: Int

    public init(id: String? = nil, properties: [String: String] = [:], minRamMB: Int = 0, minDiskGB: Int = 0) {
        self.id = id
        self.properties = properties
        self.minRamMB = minRamMB
        self.minDiskGB = minDiskGB
    }
}

/// A server group's policy, spelled as in the Compute API.
public enum ServerGroupPolicy: String, Sendable, Equatable, CaseIterable {
    case affinity
    case antiAffinity = "anti-affinity"
    case softAffinity = "soft-affinity"
    case softAntiAffinity = "soft-anti-affinity"
}

/// The server group a request belongs to, with where its members already run.
public struct SchedulerServerGroup: Sendable, Equatable {
    public var uuid: String
    public var name: String
    public var policy: ServerGroupPolicy
    /// The anti-affinity rule `max_server_per_host`; nil means 1.
    public var maxServerPerHost: Int?
    /// The host of each existing member; a host appears once per member it runs.
    public var memberHosts: [String]

    public init(
        uuid: String, name: String, policy: ServerGroupPolicy, maxServerPerHost: Int? = nil,
        memberHosts: [String] = []
    ) {
        self.uuid = uuid
        self.name = name
        self.policy = policy
        self.maxServerPerHost = maxServerPerHost
        self.memberHosts = memberHosts
    }

    /// How many members run on each host.
    public var memberCountByHost: [String: Int] {
        memberHosts.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }
}

/// What one boot (or rebuild, or retry) asks of the scheduler.
public struct RequestSpec: Sendable, Equatable {
    public var instanceUUID: String
    public var projectID: String
    public var flavor: SchedulerFlavor
    public var image: SchedulerImage
    public var availabilityZone: String?
    public var serverGroup: SchedulerServerGroup?
    /// Hosts from the `same_host` hint: the server must land on one of them.
    public var sameHost: [String]
    /// Hosts from the `different_host` hint: the server must land on none of them.
    public var differentHost: [String]
    /// Hosts already tried for this server (retry after a failed build).
    public var ignoreHosts: Set<String>
    public var numInstances: Int

    public init(
        instanceUUID: String, projectID: String, flavor: SchedulerFlavor, image: SchedulerImage = SchedulerImage(),
        availabilityZone: String? = nil, serverGroup: SchedulerServerGroup? = nil, sameHost: [String] = [],
        differentHost: [String] = [], ignoreHosts: Set<String> = [], numInstances: Int = 1
    ) {
        self.instanceUUID = instanceUUID
        self.projectID = projectID
        self.flavor = flavor
        self.image = image
        self.availabilityZone = availabilityZone
        self.serverGroup = serverGroup
        self.sameHost = sameHost
        self.differentHost = differentHost
        self.ignoreHosts = ignoreHosts
        self.numInstances = numInstances
    }
}
