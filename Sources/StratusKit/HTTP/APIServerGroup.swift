import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// One API of the cloud, ready to serve.
public struct APIServerSpec {
    public var name: String
    public var host: String
    public var port: Int
    public var router: Router<StratusRequestContext>

    public init(name: String, host: String, port: Int, router: Router<StratusRequestContext>) {
        self.name = name
        self.host = host
        self.port = port
        self.router = router
    }
}

/// Runs every API server and background service of the process together, calls
/// `onReady` once every server listens (while they serve), and shuts all down cleanly on
/// SIGINT/SIGTERM.
public enum APIServerGroup {
    public static func run(
        servers: [APIServerSpec], background: [any Service] = [], logger: Logger,
        onReady: @escaping @Sendable () async -> Void
    ) async throws {
        let pending = Mutex(servers.count)
        var services: [any Service] = background
        for spec in servers {
            let application = Application(
                router: spec.router,
                server: .http1(configuration: .init(additionalChannelHandlers: [ExpectContinueHandler()])),
                configuration: .init(address: .hostname(spec.host, port: spec.port), serverName: nil),
                onServerRunning: { _ in
                    let remaining = pending.withLock { count -> Int in
                        count -= 1
                        return count
                    }
                    // Not awaited here: the server accepts connections only once this
                    // callback returns, and `onReady` may wait on work that needs the servers
                    // (compute hosts registering with Placement get a token from Identity).
                    if remaining == 0 { Task { await onReady() } }
                },
                logger: logger)
            services.append(application)
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}

/// A background loop as a lifecycle service (cancelled on shutdown).
public struct BackgroundTask: Service {
    let body: @Sendable () async -> Void
    public init(_ body: @escaping @Sendable () async -> Void) { self.body = body }
    public func run() async throws {
        await cancelWhenGracefulShutdown { await body() }
    }
}
