import StratusKit

/// Which availability zone a host is in: the `availability_zone` metadata of the aggregates
/// holding it (joined with `,` when several, sorted), else the default zone; services other
/// than `nova-compute` are in the internal zone.
struct AvailabilityZones: Sendable {
    let aggregatesByHost: [String: [AggregateRecord]]
    let settings: ComputeSettings

    func zone(ofHost host: String) -> String {
        let zones = Set((aggregatesByHost[host] ?? []).compactMap(\.availabilityZone)).sorted()
        return zones.isEmpty ? settings.defaultAvailabilityZone : zones.joined(separator: ",")
    }

    func zone(of service: ServiceRecord) -> String {
        service.binary == "nova-compute" ? zone(ofHost: service.host) : settings.internalAvailabilityZone
    }
}
