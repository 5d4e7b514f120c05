import StratusKit

/// The Compute settings (`compute.*`): when a service counts as down, the availability
/// zones' names, the default quota limits, and how servers are answered.
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
    /// Whether create answers with a generated `adminPass` (`compute.enable_instance_password`).
    var enableInstancePassword = true
    /// The Image API's root, for the `Location` of a createImage before 2.45 (`compute.image_endpoint`).
    var imageEndpoint: String?
    /// How often each compute host syncs its guests' power states into the database
    /// (`compute.sync_power_state_interval`, seconds: 600 as Nova's; 0: every 60 s; negative: never).
    var syncPowerStateInterval: Duration? = .seconds(600)
    /// How long a deleted server stays SOFT_DELETED (restorable) before its host deletes it
    /// (`compute.reclaim_instance_interval`, seconds; 0, Nova's default: deletes are immediate).
    var reclaimInstanceInterval: Duration?
    /// Whether servers' serial consoles are offered (`compute.serial_console.enabled`).
    var serialConsoleEnabled = true
    /// The serial console proxy's URL that tokens are appended to (`compute.serial_console.base_url`).
    var serialConsoleBaseURL = "ws://127.0.0.1:6083/"
    /// Seconds a console auth token stays valid (`compute.consoleauth.token_ttl`).
    var consoleTokenTTL: Int64 = 600

    init() {}

    init(_ config: StratusConfig) throws {
        serviceDownTime = Int64(try config.int("compute.service_down_time", default: 60))
        defaultAvailabilityZone = config.string("compute.default_availability_zone", default: "nova")
        internalAvailabilityZone = config.string("compute.internal_service_availability_zone", default: "internal")
        enableInstancePassword = try config.bool("compute.enable_instance_password", default: true)
        imageEndpoint = config.string("compute.image_endpoint")
        let powerSync = try config.int("compute.sync_power_state_interval", default: 600)
        syncPowerStateInterval = powerSync < 0 ? nil : .seconds(powerSync == 0 ? 60 : powerSync)
        let reclaim = try config.int("compute.reclaim_instance_interval", default: 0)
        reclaimInstanceInterval = reclaim > 0 ? .seconds(reclaim) : nil
        serialConsoleEnabled = try config.bool("compute.serial_console.enabled", default: true)
        serialConsoleBaseURL = config.string("compute.serial_console.base_url", default: "ws://127.0.0.1:6083/")
        consoleTokenTTL = Int64(try config.int("compute.consoleauth.token_ttl", default: 600))
        for (resource, fallback) in QuotaResources.novaDefaults {
            quotaDefaults[resource] = Int64(try config.int("compute.quota_\(resource)", default: Int(fallback)))
        }
    }
}
