import StratusKit

/// The Compute settings of the operator's resources: when a service counts as down, the
/// availability zones' names and the default quota limits.
struct ComputeSettings: Sendable {
    /// Seconds without a heartbeat after which a service is `down` (`compute.service_down_time`).
    var serviceDownTime: Int64 = 60
    /// The zone of compute hosts in no zoned aggregate (`compute.default_availability_zone`).
    var defaultAvailabilityZone = "nova"
    /// The zone of services other than `nova-compute` (`compute.internal_service_availability_zone`).
    var internalAvailabilityZone = "internal"
    /// The limits of projects without their own and of the `default` class before an
    /// admin changes it (`compute.quota_<resource>`, e.g. `compute.quota_instances`).
    var quotaDefaults: [String: Int64] = QuotaResources.novaDefaults

    init() {}

    init(_ config: StratusConfig) throws {
        serviceDownTime = Int64(try config.int("compute.service_down_time", default: 60))
        defaultAvailabilityZone = config.string("compute.default_availability_zone", default: "nova")
        internalAvailabilityZone = config.string("compute.internal_service_availability_zone", default: "internal")
        for (resource, fallback) in QuotaResources.novaDefaults {
            quotaDefaults[resource] = Int64(try config.int("compute.quota_\(resource)", default: Int(fallback)))
        }
    }
}
