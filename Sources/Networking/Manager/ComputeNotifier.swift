import Logging
import StratusKit
import Synchronization

/// Where Networking tells Compute that a server's port changed (Neutron's nova notifier,
/// which posts `network-changed` to `os-server-external-events`).
public protocol ServerPortEventSink: Sendable {
    /// Tells Compute that port `portID` of server `serverUUID` changed (its addresses or its
    /// floating IP).
    func portChanged(serverUUID: String, portID: String) async throws
}

/// Sends port events to Compute off the request path: the API answers first, the event
/// follows (Neutron batches them the same way). Nothing is sent until a sink is installed
/// (`stratus up` installs one once Compute runs); a failed send is logged, not retried.
final class ComputeNotifier: Sendable {
    private let sink = Mutex<(any ServerPortEventSink)?>(nil)
    private let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func install(_ sink: any ServerPortEventSink) { self.sink.withLock { $0 = sink } }

    /// Notifies about every port that belongs to a server (device owner `compute:*`).
    func portsChanged(_ ports: [PortRecord]) {
        guard let sink = sink.withLock({ $0 }) else { return }
        let serverPorts = ports.filter { $0.deviceOwner.hasPrefix("compute:") && !$0.deviceID.isEmpty }
        guard !serverPorts.isEmpty else { return }
        let logger = self.logger
        Task {
            for port in serverPorts {
                do {
                    try await sink.portChanged(serverUUID: port.deviceID, portID: port.id)
                } catch {
                    logger.warning("telling Compute that port \(port.id) of server \(port.deviceID) changed failed: \(error)")
                }
            }
        }
    }
}
