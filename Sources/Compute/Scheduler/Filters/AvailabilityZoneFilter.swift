/// Keeps hosts in the requested availability zone: a host's zones are the
/// `availability_zone` metadata of its aggregates, or the default zone when none names one.
struct AvailabilityZoneFilter: HostFilter {
    let zone: String
    let defaultZone: String

    init?(_ spec: RequestSpec, _ configuration: SchedulerConfiguration) {
        guard let zone = spec.availabilityZone, !zone.isEmpty else { return nil }
        self.zone = zone
        defaultZone = configuration.defaultAvailabilityZone
    }

    func passes(_ host: HostState) -> Bool {
        var named = false
        for aggregate in host.aggregates {
            if let hostZone = aggregate.metadata["availability_zone"] {
                if hostZone == zone { return true }
                named = true
            }
        }
        return !named && zone == defaultZone
    }

    func explain(removed: [HostState]) -> String {
        let zones = removed.flatMap { host in
            let named = host.aggregates.compactMap { $0.metadata["availability_zone"] }
            return named.isEmpty ? [defaultZone] : named
        }
        return "availability zone \(zone) requested, hosts are in " + HostList.distinctSummary(zones)
    }
}
