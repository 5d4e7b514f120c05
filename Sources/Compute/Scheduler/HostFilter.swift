/// One filter prepared for one request: it works out what it needs from the request once,
/// then answers for each host in constant time.
protocol HostFilter: Sendable {
    /// Whether the host can take the request.
    func passes(_ host: HostState) -> Bool
    /// The deciding numbers for the hosts this filter removed (never empty), for the fault
    /// message.
    func explain(removed: [HostState]) -> String
}

/// The filters by name, each built for a request; a builder answers nil when the request
/// gives its filter nothing to check.
enum HostFilters {
    typealias Builder = @Sendable (RequestSpec, SchedulerConfiguration) -> (any HostFilter)?

    static let builders: [String: Builder] = [
        "RetryFilter": { spec, _ in RetryFilter(spec) },
        "ComputeFilter": { _, _ in ComputeFilter() },
        "AvailabilityZoneFilter": { spec, configuration in AvailabilityZoneFilter(spec, configuration) },
        "RamFilter": { spec, _ in RamFilter(spec) },
        "CoreFilter": { spec, _ in CoreFilter(spec) },
        "DiskFilter": { spec, _ in DiskFilter(spec) },
        "ComputeCapabilitiesFilter": { spec, _ in ComputeCapabilitiesFilter(spec) },
        "ImagePropertiesFilter": { spec, _ in ImagePropertiesFilter(spec) },
        "ServerGroupAntiAffinityFilter": { spec, _ in ServerGroupAntiAffinityFilter(spec) },
        "ServerGroupAffinityFilter": { spec, _ in ServerGroupAffinityFilter(spec) },
        "SameHostFilter": { spec, _ in SameHostFilter(spec) },
        "DifferentHostFilter": { spec, _ in DifferentHostFilter(spec) },
        "AggregateInstanceExtraSpecsFilter": { spec, _ in AggregateInstanceExtraSpecsFilter(spec) },
    ]

    /// The enabled filters that have something to check for `spec`, in configured order.
    static func prepared(for spec: RequestSpec, configuration: SchedulerConfiguration)
        -> [(name: String, filter: any HostFilter)]
    {
        configuration.enabledFilters.compactMap { name in
            builders[name]?(spec, configuration).map { (name, $0) }
        }
    }
}
