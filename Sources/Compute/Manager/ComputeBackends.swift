import ServiceClients
import StratusKit

/// What the server paths reach beyond the Compute database: the message bus to the
/// conductor, scheduler and compute agents, and the clients of Image, Network and Placement.
public struct ComputeBackends: Sendable {
    let bus: any MessageBus
    let image: any ImageClient
    let network: any NetworkClient
    let placement: any PlacementClient

    public init(bus: any MessageBus, image: any ImageClient, network: any NetworkClient, placement: any PlacementClient) {
        self.bus = bus
        self.image = image
        self.network = network
        self.placement = placement
    }
}

/// The Compute settings read from the config (`compute.*`).
struct ComputeSettings: Sendable {
    /// Seconds without a heartbeat after which a compute service counts as down.
    var serviceDownTime: Int = 60
    var defaultAvailabilityZone: String = "nova"
    /// Whether create answers with a generated `adminPass` (Nova's `enable_instance_password`).
    var enableInstancePassword: Bool = true
    var maxMetadataItems: Int = 128
    /// The Image API's root, for the `Location` of a createImage before 2.45.
    var imageEndpoint: String?

    init() {}

    init(config: StratusConfig) throws {
        serviceDownTime = try config.int("compute.service_down_time", default: 60)
        defaultAvailabilityZone = config.string("compute.default_availability_zone", default: "nova")
        enableInstancePassword = try config.bool("compute.enable_instance_password", default: true)
        imageEndpoint = config.string("compute.image_endpoint")
    }
}
