import Hummingbird
import Logging
import StratusKit

/// Swift's account server: one SQLite database per account on the server's devices, and the
/// internal HTTP API the proxy and the container servers use (see `AccountRoutes.swift` and
/// docs/object-storage-account-container-servers.md).
public final class AccountServer: Sendable {
    public static let defaultPort = 6202

    public let location: BrokerLocation
    public let cache: BrokerConnectionCache
    let logger: Logger

    public init(
        devicesRoot: String, hashPath: HashPath, cacheCapacity: Int = 128,
        logger: Logger = Logger(label: "stratus.account-server")
    ) {
        location = BrokerLocation(devicesRoot: devicesRoot, hashPath: hashPath)
        cache = BrokerConnectionCache(capacity: cacheCapacity, logger: logger)
        self.logger = logger
    }

    public func makeRouter() -> Router<StratusRequestContext> {
        StorageServerRouting.makeRouter { request, context in try await self.respond(to: request, context: context) }
    }

    public func broker(device: String, partition: String, account: String) throws -> AccountBroker {
        try AccountBroker(location: location, device: device, partition: partition, account: account, cache: cache)
    }

    public func shutdown() async {
        await cache.closeAll()
    }
}
