import AsyncHTTPClient
import StratusKit

/// Posts server events to Compute's `os-server-external-events` (what Neutron's nova
/// notifier does when a server's port or its floating IP changes).
public struct HTTPComputeEventClient: Sendable {
    let caller: ServiceCaller

    public init(session: ServiceSession, httpClient: HTTPClient = .shared) {
        caller = ServiceCaller(session: session, httpClient: httpClient, serviceType: "compute", serviceName: "compute")
    }

    /// `network-changed` for one port of one server. 200 and 207 are answers Compute gave
    /// (a 207 names a server that is gone or on no host: nothing to refresh).
    public func networkChanged(serverUUID: String, portID: String) async throws {
        let event: JSONValue = ["name": "network-changed", "server_uuid": .string(serverUUID), "tag": .string(portID)]
        _ = try caller.expect(try await caller.send(.POST, "/os-server-external-events", json: ["events": [event]]), 200, 207)
    }
}
