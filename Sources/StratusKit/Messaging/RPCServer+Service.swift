import ServiceLifecycle

/// An RPC server runs among the process's services (`APIServerGroup`'s background
/// services): it serves until the group shuts down gracefully, then stops as `stop()` does,
/// letting running handlers finish and answer.
extension RPCServer: Service {
    public func run() async throws {
        try await start()
        let (shutdown, trigger) = AsyncStream<Void>.makeStream()
        await withGracefulShutdownHandler {
            for await _ in shutdown {}
        } onGracefulShutdown: {
            trigger.finish()
        }
        await stop()
    }
}
