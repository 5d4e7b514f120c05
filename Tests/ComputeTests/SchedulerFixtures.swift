import Compute

/// Small builders for scheduler tests: hosts named host1…hostN with provider "rp-hostN".
enum SchedulerFixtures {
    static func host(
        _ name: String, ramMB: Int = 8192, vcpus: Int = 4, diskGB: Int = 100, usedRamMB: Int = 0,
        usedVCPUs: Int = 0, usedDiskGB: Int = 0, ramRatio: Double = 1.0, cpuRatio: Double = 1.0,
        diskRatio: Double = 1.0, aggregates: [AggregateInfo] = [], capabilities: [String: String] = [:]
    ) -> HostState {
        HostState(
            host: name, providerUUID: "rp-" + name, totalVCPUs: vcpus, totalMemoryMB: ramMB, totalDiskGB: diskGB,
            usedVCPUs: usedVCPUs, usedMemoryMB: usedRamMB, usedDiskGB: usedDiskGB, cpuAllocationRatio: cpuRatio,
            ramAllocationRatio: ramRatio, diskAllocationRatio: diskRatio, capabilities: capabilities,
            aggregates: aggregates)
    }

    static func flavor(ramMB: Int = 512, vcpus: Int = 1, diskGB: Int = 1, extraSpecs: [String: String] = [:])
        -> SchedulerFlavor
    {
        SchedulerFlavor(name: "test", memoryMB: ramMB, vcpus: vcpus, rootGB: diskGB, extraSpecs: extraSpecs)
    }

    static func spec(
        _ flavor: SchedulerFlavor = flavor(), image: SchedulerImage = SchedulerImage(), zone: String? = nil,
        group: SchedulerServerGroup? = nil, sameHost: [String] = [], differentHost: [String] = [],
        ignoreHosts: Set<String> = [], numInstances: Int = 1
    ) -> RequestSpec {
        RequestSpec(
            instanceUUID: "6f0b1c7e-3a55-4d4e-9d59-1f0d3c1f4c11", projectID: "demo", flavor: flavor, image: image,
            availabilityZone: zone, serverGroup: group, sameHost: sameHost, differentHost: differentHost,
            ignoreHosts: ignoreHosts, numInstances: numInstances)
    }

    /// A scheduler with only the named filters and every weigher at Nova's defaults.
    static func scheduler(filters: [String]? = nil, _ adjust: (inout SchedulerConfiguration) -> Void = { _ in })
        -> FilterScheduler
    {
        var configuration = SchedulerConfiguration.defaults
        if let filters { configuration.enabledFilters = filters }
        adjust(&configuration)
        return FilterScheduler(configuration: configuration)
    }

    /// Names of the hosts that pass, best first, or the fault message.
    static func outcome(
        _ scheduler: FilterScheduler, _ spec: RequestSpec, _ hosts: [HostState], candidates: Set<String>? = nil
    ) -> Result<[String], NoValidHost> {
        do {
            return .success(try scheduler.selectHosts(for: spec, among: hosts, placementCandidates: candidates).map(\.host))
        } catch let error as NoValidHost {
            return .failure(error)
        } catch {
            fatalError("unexpected error \(error)")
        }
    }

    /// Every host the filters let through (maxAttempts raised so all are returned).
    static func passing(
        _ filters: [String], _ spec: RequestSpec, _ hosts: [HostState], candidates: Set<String>? = nil
    ) -> Set<String> {
        let scheduler = scheduler(filters: filters) { $0.maxAttempts = hosts.count + 1 }
        switch outcome(scheduler, spec, hosts, candidates: candidates) {
        case .success(let names): return Set(names)
        case .failure: return []
        }
    }
}
