import StratusKit

/// A parsed `POST /servers` body: what the caller asked for, before any lookup.
struct ServerCreateRequest: Sendable {
    enum Networks: Sendable, Equatable {
        /// Not given (before 2.37): every network the project may use, as `auto` picks.
        case unspecified
        case auto
        case none
        case list([RequestedNetwork])
    }

    var name: String
    var description: String?
    var hostname: String?
    var flavorRef: String
    var imageRef: String
    /// `block_device_mapping_v2`, checked item by item; empty when not given.
    var blockDeviceMappings: [BlockDeviceMapping] = []
    var networks: Networks
    var keyName: String?
    var userData: String?
    var metadata: [String: String]
    var availabilityZone: String?
    var minCount: Int
    var maxCount: Int
    var returnReservationID: Bool
    var securityGroups: [String]
    var schedulerHints: SchedulerHints
    var configDrive: Bool
    var tags: [String]
    var accessIPv4: String?
    var accessIPv6: String?
    var adminPass: String?
    /// Personality files (before 2.57).
    var personality: [InjectedFile] = []
}

/// The scheduler hints Nova's create accepts that Stratus acts on.
struct SchedulerHints: Sendable, Equatable {
    var group: String?
    var sameHost: [String] = []
    var differentHost: [String] = []
}
