import HTTPTypes
import StratusKit

/// Delivers object servers' container updates to the container server of the same process
/// through the code its HTTP route runs (`ContainerServer.applyObjectRow`), sparing a loopback
/// HTTP exchange per replica of every write. Updates for container servers at other addresses
/// go through `remote`. A refusal throws as the HTTP sender's does, so the object server queues
/// the update for the updater all the same.
public struct LocalContainerUpdateSender: ContainerUpdateSender {
    public let containerServer: ContainerServer
    /// The `ip:port` the rings give this process's container server.
    public let localHosts: Set<String>
    public let remote: any ContainerUpdateSender

    public init(containerServer: ContainerServer, localHosts: Set<String>, remote: any ContainerUpdateSender) {
        self.containerServer = containerServer
        self.localHosts = localHosts
        self.remote = remote
    }

    public func send(_ update: ContainerUpdate, to target: ContainerUpdateTarget) async throws {
        guard localHosts.contains(target.host) else { return try await remote.send(update, to: target) }
        let method: HTTPRequest.Method
        switch update.op {
        case "PUT": method = .put
        case "DELETE": method = .delete
        default: throw ContainerUpdateRefused(status: 405)
        }
        do {
            try ReservedNames.validate(account: update.account, container: update.container, object: update.object)
            let broker = try containerServer.broker(
                device: target.device, partition: target.partition, account: update.account, container: update.container)
            try await answeringBrokerErrors {
                try await containerServer.applyObjectRow(
                    method, name: update.object, broker: broker, device: target.device, header: { update.headers[$0] })
            }
        } catch let error as APIError {
            throw ContainerUpdateRefused(status: Int(error.status.code))
        }
    }
}
