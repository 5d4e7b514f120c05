/// One weigher prepared for one request: a raw weight per host, which the scheduler
/// normalizes to 0…1 across the hosts left, multiplies by the weigher's multiplier and adds
/// to the host's total (Nova's weighing).
protocol HostWeigher: Sendable {
    func weight(_ host: HostState) -> Double
}

enum HostWeighers {
    /// The weighers with a non-zero multiplier for this request, with their multipliers.
    static func prepared(for spec: RequestSpec, configuration: SchedulerConfiguration)
        -> [(weigher: any HostWeigher, multiplier: Double)]
    {
        var weighers: [(any HostWeigher, Double)] = [
            (RAMWeigher(), configuration.ramWeightMultiplier),
            (CPUWeigher(), configuration.cpuWeightMultiplier),
            (DiskWeigher(), configuration.diskWeightMultiplier),
        ]
        if let group = spec.serverGroup, group.policy == .softAffinity {
            weighers.append((ServerGroupSoftAffinityWeigher(group), configuration.softAffinityWeightMultiplier))
        }
        if let group = spec.serverGroup, group.policy == .softAntiAffinity {
            weighers.append(
                (ServerGroupSoftAntiAffinityWeigher(group), configuration.softAntiAffinityWeightMultiplier))
        }
        return weighers.filter { $0.1 != 0 }.map { (weigher: $0.0, multiplier: $0.1) }
    }
}
