import ServiceClients
import StratusKit

/// What the server paths reach beyond the Compute database: the message bus to the
/// conductor, scheduler and compute agents, and the clients of Image, Network, Placement and
/// (when the cloud runs it) Block Storage.
public struct ComputeBackends: Sendable {
    let bus: any MessageBus
    let image: any ImageClient
    let network: any NetworkClient
    let placement: any PlacementClient
    /// nil when the cloud has no Block Storage service: volume requests are refused.
    let volume: (any VolumeClient)?

    public init(
        bus: any MessageBus, image: any ImageClient, network: any NetworkClient, placement: any PlacementClient,
        volume: (any VolumeClient)? = nil
    ) {
        self.bus = bus
        self.image = image
        self.network = network
        self.placement = placement
        self.volume = volume
    }
}
