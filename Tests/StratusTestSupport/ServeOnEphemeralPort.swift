import Hummingbird
import Logging
import ServiceLifecycle
import StratusKit

/// Serves `router` on an ephemeral port of 127.0.0.1, in one service group with `services` (a
/// service's background workers), and runs `body` with the bound port once the server listens.
/// Afterwards, whether or not `body` threw, it shuts the group down, waits for it, runs `cleanUp`
/// (closing the service, dropping its database) and then rethrows `body`'s error.
public func serveOnEphemeralPort(
    _ router: Router<StratusRequestContext>, alongside services: [any Service], logger: Logger,
    cleanUp: () async -> Void = {}, _ body: (_ port: Int) async throws -> Void
) async throws {
    let (bound, boundContinuation) = AsyncStream<Int>.makeStream()
    let application = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
        onServerRunning: { channel in boundContinuation.yield(channel.localAddress?.port ?? 0) },
        logger: logger)
    let group = ServiceGroup(
        configuration: .init(
            services: [.init(service: application)] + services.map { .init(service: $0) },
            gracefulShutdownSignals: [], logger: logger))
    let running = Task { try await group.run() }
    var failure: (any Error)?
    do {
        var port = 0
        for await value in bound {
            port = value
            break
        }
        try await body(port)
    } catch {
        failure = error
    }
    await group.triggerGracefulShutdown()
    _ = try? await running.value
    await cleanUp()
    if let failure { throw failure }
}
