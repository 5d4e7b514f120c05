/// A host aggregate as the scheduler sees it: its metadata (`availability_zone`, and the
/// keys AggregateInstanceExtraSpecsFilter matches).
public struct AggregateInfo: Sendable, Equatable {
    public var uuid: String
    public var name: String
    public var metadata: [String: String]

    public init(uuid: String, name: String, metadata: [String: String] = [:]) {
        self.uuid = uuid
        self.name = name
        self.metadata = metadata
    }
}

/// One compute node as the caller assembled it from its compute node and service records,
/// its aggregates and its Placement inventory.
public struct HostState: Sendable, Equatable {
    public var host: String
    public var nodename: String
    /// The node's resource provider in Placement.
    public var providerUUID: String

    public var serviceEnabled: Bool
    public var serviceUp: Bool
    public var forcedDown: Bool
    public var disabledReason: String?

    public var totalVCPUs: Int
    public var totalMemoryMB: Int
    public var totalDiskGB: Int
    public var usedVCPUs: Int
    public var usedMemoryMB: Int
    public var usedDiskGB: Int
    public var reservedMemoryMB: Int
    public var reservedDiskGB: Int
    public var reservedVCPUs: Int
    public var cpuAllocationRatio: Double
    public var ramAllocationRatio: Double
    public var diskAllocationRatio: Double

    /// As the hypervisor reports it, e.g. "QEMU" or "fake".
    public var hypervisorType: String
    /// Nova's integer form: major * 1,000,000 + minor * 1,000 + patch.
    public var hypervisorVersion: Int
    /// e.g. "x86_64".
    public var architecture: String
    /// The guest VM mode the hypervisor runs (Nova's `vm_mode`), "hvm" for QEMU.
    public var vmMode: String
    /// Flattened host capabilities matched by ComputeCapabilitiesFilter, e.g. "cpu_info:arch".
    public var capabilities: [String: String]
    public var aggregates: [AggregateInfo]
    public var numInstances: Int
    /// The zone of a host in no zone aggregate (Nova's `default_availability_zone`).
    public var defaultAvailabilityZone: String

    public init(
        host: String, nodename: String? = nil, providerUUID: String,
        serviceEnabled: Bool = true, serviceUp: Bool = true, forcedDown: Bool = false, disabledReason: String? = nil,
        totalVCPUs: Int, totalMemoryMB: Int, totalDiskGB: Int,
        usedVCPUs: Int = 0, usedMemoryMB: Int = 0, usedDiskGB: Int = 0,
        reservedMemoryMB: Int = 0, reservedDiskGB: Int = 0, reservedVCPUs: Int = 0,
        cpuAllocationRatio: Double = SchedulerConfiguration.defaults.cpuAllocationRatio,
        ramAllocationRatio: Double = SchedulerConfiguration.defaults.ramAllocationRatio,
        diskAllocationRatio: Double = SchedulerConfiguration.defaults.diskAllocationRatio,
        hypervisorType: String = "QEMU", hypervisorVersion: Int = 1_000_000, architecture: String = "x86_64",
        vmMode: String = "hvm", capabilities: [String: String] = [:], aggregates: [AggregateInfo] = [],
        numInstances: Int = 0, defaultAvailabilityZone: String = SchedulerConfiguration.defaults.defaultAvailabilityZone
    ) {
        self.host = host
        self.nodename = nodename ?? host
        self.providerUUID = providerUUID
        self.serviceEnabled = serviceEnabled
        self.serviceUp = serviceUp
        self.forcedDown = forcedDown
        self.disabledReason = disabledReason
        self.totalVCPUs = totalVCPUs
        self.totalMemoryMB = totalMemoryMB
        self.totalDiskGB = totalDiskGB
        self.usedVCPUs = usedVCPUs
        self.usedMemoryMB = usedMemoryMB
        self.usedDiskGB = usedDiskGB
        self.reservedMemoryMB = reservedMemoryMB
        self.reservedDiskGB = reservedDiskGB
        self.reservedVCPUs = reservedVCPUs
        self.cpuAllocationRatio = cpuAllocationRatio
        self.ramAllocationRatio = ramAllocationRatio
        self.diskAllocationRatio = diskAllocationRatio
        self.hypervisorType = hypervisorType
        self.hypervisorVersion = hypervisorVersion
        self.architecture = architecture
        self.vmMode = vmMode
        self.capabilities = capabilities
        self.aggregates = aggregates
        self.numInstances = numInstances
        self.defaultAvailabilityZone = defaultAvailabilityZone
    }

    /// The zone named by the `availability_zone` metadata of the host's aggregates, or the
    /// default zone when none names one.
    public var availabilityZone: String {
        for aggregate in aggregates {
            if let zone = aggregate.metadata["availability_zone"] { return zone }
        }
        return defaultAvailabilityZone
    }

    /// RAM left to allocate: total × ratio − used − reserved, in MB.
    public var freeRamMB: Int { Int(Double(totalMemoryMB) * ramAllocationRatio) - usedMemoryMB - reservedMemoryMB }
    /// vCPUs left to allocate: total × ratio − used − reserved.
    public var freeVCPUs: Int { Int(Double(totalVCPUs) * cpuAllocationRatio) - usedVCPUs - reservedVCPUs }
    /// Disk left to allocate: total × ratio − used − reserved, in GB.
    public var freeDiskGB: Int { Int(Double(totalDiskGB) * diskAllocationRatio) - usedDiskGB - reservedDiskGB }

    /// Nova's "major.minor.patch" form of `hypervisorVersion`.
    public var hypervisorVersionString: String {
        "\(hypervisorVersion / 1_000_000).\(hypervisorVersion / 1_000 % 1_000).\(hypervisorVersion % 1_000)"
    }

    /// A capability for ComputeCapabilitiesFilter: from `capabilities` first, then the host
    /// attributes Nova's host state exposes under the same names.
    public func capability(_ key: String) -> String? {
        if let value = capabilities[key] { return value }
        switch key {
        case "host": return host
        case "nodename", "hypervisor_hostname": return nodename
        case "hypervisor_type": return hypervisorType
        case "hypervisor_version": return String(hypervisorVersion)
        case "cpu_info:arch": return architecture
        case "free_ram_mb": return String(freeRamMB)
        case "free_disk_mb": return String(freeDiskGB * 1024)
        case "total_usable_ram_mb": return String(totalMemoryMB)
        case "total_usable_disk_gb": return String(totalDiskGB)
        case "vcpus_total": return String(totalVCPUs)
        case "vcpus_used": return String(usedVCPUs)
        case "num_instances": return String(numInstances)
        default: return nil
        }
    }

    /// Takes a scheduled server's resources from this host, as the scheduler does between
    /// the instances of one multi-create request.
    mutating func consume(_ flavor: SchedulerFlavor) {
        usedMemoryMB += flavor.memoryMB
        usedVCPUs += flavor.vcpus
        usedDiskGB += flavor.diskGB
        numInstances += 1
    }
}
