import Networking
import ServiceClients

/// Networking's port events, delivered to Compute over its API as the `nova` service user.
struct ComputePortEvents: ServerPortEventSink {
    let client: HTTPComputeEventClient

    func portChanged(serverUUID: String, portID: String) async throws {
        try await client.networkChanged(serverUUID: serverUUID, portID: portID)
    }
}
