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
