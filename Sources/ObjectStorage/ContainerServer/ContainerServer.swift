import Hummingbird
import Logging
import StratusKit

/// Swift's container server: one SQLite database per container on the server's devices, and the
/// internal HTTP API the proxy and the object servers use (see `ContainerRoutes.swift` and
/// docs/object-storage-account-container-servers.md).
public final class ContainerServer: Sendable {
    public static let defaultPort = 6201

    public let location: BrokerLocation
    public let cache: BrokerConnectionCache
    public let accountUpdateSender: any AccountUpdateSender
    public let accountUpdateQueue: AccountUpdateQueue
    let logger: Logger

    /// - Parameters:
    ///   - devicesRoot: the directory of device directories (`/srv/node`); a request for a
    ///     device with no directory there is 507.
    ///   - hashPath: the cluster's hash path prefix and suffix (names database files).
    ///   - cacheCapacity: how many container databases stay open.
    ///   - accountUpdateSender: how container PUTs and DELETEs reach account servers; failed
    ///     updates go to `accountUpdateQueue`.
    public init(
        devicesRoot: String, hashPath: HashPath, cacheCapacity: Int = 128,
        accountUpdateSender: any AccountUpdateSender = UnavailableAccountUpdateSender(),
        logger: Logger = Logger(label: "stratus.container-server")
    ) {
        location = BrokerLocation(devicesRoot: devicesRoot, hashPath: hashPath)
        cache = BrokerConnectionCache(capacity: cacheCapacity, logger: logger)
        self.accountUpdateSender = accountUpdateSender
        accountUpdateQueue = AccountUpdateQueue(devicesRoot: location.devicesRoot)
        self.logger = logger
    }

    public func makeRouter() -> Router<StratusRequestContext> {
        StorageServerRouting.makeRouter { request, context in try await self.respond(to: request, context: context) }
    }

    public func broker(device: String, partition: String, account: String, container: String) throws -> ContainerBroker {
        try ContainerBroker(
            location: location, device: device, partition: partition, account: account, container: container, cache: cache)
    }

    /// Closes the open databases.
    public func shutdown() async {
        await cache.closeAll()
    }
}
