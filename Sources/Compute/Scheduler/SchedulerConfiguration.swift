import StratusKit

/// The scheduler's settings: which filters run, in order, and how much each weigher counts.
/// Read from `compute.scheduler.*` and `compute.*_allocation_ratio` (see docs/compute.md).
public struct SchedulerConfiguration: Sendable, Equatable {
    /// Filter names, run in this order; unknown names are refused at load.
    public var enabledFilters: [String]
    public var ramWeightMultiplier: Double
    public var cpuWeightMultiplier: Double
    public var diskWeightMultiplier: Double
    public var softAffinityWeightMultiplier: Double
    public var softAntiAffinityWeightMultiplier: Double
    /// The chosen host is drawn at random from this many best hosts (1: always the best).
    public var hostSubsetSize: Int
    /// Hosts returned per server: the chosen one plus alternates for retries.
    public var maxAttempts: Int
    public var defaultAvailabilityZone: String
    /// Overcommit ratios for hosts whose inventory does not state its own.
    public var cpuAllocationRatio: Double = 16.0
    public var ramAllocationRatio: Double = 1.5
    public var diskAllocationRatio: Double = 1.0

    /// Every filter the scheduler knows, in the default order: cheap checks first.
    public static let defaultFilters = [
        "RetryFilter", "ComputeFilter", "AvailabilityZoneFilter", "RamFilter", "CoreFilter", "DiskFilter",
        "ComputeCapabilitiesFilter", "ImagePropertiesFilter", "ServerGroupAntiAffinityFilter",
        "ServerGroupAffinityFilter", "SameHostFilter", "DifferentHostFilter", "AggregateInstanceExtraSpecsFilter",
    ]

    public static let defaults = SchedulerConfiguration(
        enabledFilters: defaultFilters, ramWeightMultiplier: 1.0, cpuWeightMultiplier: 1.0, diskWeightMultiplier: 1.0,
        softAffinityWeightMultiplier: 1.0, softAntiAffinityWeightMultiplier: 1.0, hostSubsetSize: 1, maxAttempts: 3,
        defaultAvailabilityZone: "nova")

    public init(
        enabledFilters: [String], ramWeightMultiplier: Double, cpuWeightMultiplier: Double,
        diskWeightMultiplier: Double, softAffinityWeightMultiplier: Double, softAntiAffinityWeightMultiplier: Double,
        hostSubsetSize: Int, maxAttempts: Int, defaultAvailabilityZone: String, cpuAllocationRatio: Double = 16.0,
        ramAllocationRatio: Double = 1.5, diskAllocationRatio: Double = 1.0
    ) {
        self.enabledFilters = enabledFilters
        self.ramWeightMultiplier = ramWeightMultiplier
        self.cpuWeightMultiplier = cpuWeightMultiplier
        self.diskWeightMultiplier = diskWeightMultiplier
        self.softAffinityWeightMultiplier = softAffinityWeightMultiplier
        self.softAntiAffinityWeightMultiplier = softAntiAffinityWeightMultiplier
        self.hostSubsetSize = hostSubsetSize
        self.maxAttempts = maxAttempts
        self.defaultAvailabilityZone = defaultAvailabilityZone
        self.cpuAllocationRatio = cpuAllocationRatio
        self.ramAllocationRatio = ramAllocationRatio
        self.diskAllocationRatio = diskAllocationRatio
    }

    public init(config: StratusConfig) throws {
        let defaults = Self.defaults
        func setting(_ name: String) -> String? {
            // The environment form STRATUS_COMPUTE_SCHEDULER_X arrives as compute.scheduler_x.
            config.string("compute.scheduler." + name) ?? config.string("compute.scheduler_" + name)
        }
        func multiplier(_ name: String, _ fallback: Double) throws -> Double {
            guard let text = setting(name) else { return fallback }
            guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else {
                throw ConfigError("setting compute.scheduler.\(name) must be a number, not \"\(text)\"")
            }
            return value
        }
        func ratio(_ name: String, _ fallback: Double) throws -> Double {
            let key = "compute." + name
            guard let text = config.string(key) else { return fallback }
            guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite, value > 0 else {
                throw ConfigError("setting \(key) must be a number above 0, not \"\(text)\"")
            }
            return value
        }
        func count(_ name: String, _ fallback: Int) throws -> Int {
            let key = "compute.scheduler." + name
            guard let text = setting(name) else { return fallback }
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= 1 else {
                throw ConfigError("setting \(key) must be a whole number of at least 1, not \"\(text)\"")
            }
            return value
        }

        if let list = setting("enabled_filters") {
            let names = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
            for name in names where !Self.defaultFilters.contains(name) {
                throw ConfigError(
                    "setting compute.scheduler.enabled_filters names an unknown filter \"\(name)\"; known: "
                        + Self.defaultFilters.joined(separator: ", "))
            }
            enabledFilters = names
        } else {
            enabledFilters = defaults.enabledFilters
        }
        ramWeightMultiplier = try multiplier("ram_weight_multiplier", defaults.ramWeightMultiplier)
        cpuWeightMultiplier = try multiplier("cpu_weight_multiplier", defaults.cpuWeightMultiplier)
        diskWeightMultiplier = try multiplier("disk_weight_multiplier", defaults.diskWeightMultiplier)
        softAffinityWeightMultiplier = try multiplier(
            "soft_affinity_weight_multiplier", defaults.softAffinityWeightMultiplier)
        softAntiAffinityWeightMultiplier = try multiplier(
            "soft_anti_affinity_weight_multiplier", defaults.softAntiAffinityWeightMultiplier)
        hostSubsetSize = try count("host_subset_size", defaults.hostSubsetSize)
        maxAttempts = try count("max_attempts", defaults.maxAttempts)
        defaultAvailabilityZone =
            config.string("compute.default_availability_zone") ?? defaults.defaultAvailabilityZone
        cpuAllocationRatio = try ratio("cpu_allocation_ratio", defaults.cpuAllocationRatio)
        ramAllocationRatio = try ratio("ram_allocation_ratio", defaults.ramAllocationRatio)
        diskAllocationRatio = try ratio("disk_allocation_ratio", defaults.diskAllocationRatio)
    }
}
