import Foundation
import Hummingbird
import Logging
import Testing

@testable import StratusKit

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite("API server group")
struct APIServerGroupTests {
    /// `stratus up`'s readiness step waits for compute hosts that register through the APIs;
    /// the servers must already answer while it runs (a server that finished starting last used
    /// to accept nothing until the step gave up after 30 s).
    @Test func serversAnswerWhileTheReadyStepRuns() async throws {
        let port = try Self.freeLoopbackPort()
        let router = Router(context: StratusRequestContext.self)
        router.get("/ping") { _, _ in "pong" }
        var logger = Logger(label: "test")
        logger.logLevel = .critical  // cancelling the group at the end makes the server log errors
        let (statuses, continuation) = AsyncStream<Int>.makeStream()
        let group = Task {
            try await APIServerGroup.run(
                servers: [APIServerSpec(name: "test", host: "127.0.0.1", port: port, router: router)], logger: logger
            ) {
                var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/ping")!)
                request.timeoutInterval = 5
                let answer = try? await URLSession.shared.data(for: request)
                continuation.yield((answer?.1 as? HTTPURLResponse)?.statusCode ?? 0)
                continuation.finish()
            }
        }
        var status = 0
        for await value in statuses {
            status = value
            break
        }
        group.cancel()
        _ = try? await group.value
        #expect(status == 200)
    }

    /// A TCP port of 127.0.0.1 that nothing listens on right now.
    static func freeLoopbackPort() throws -> Int {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(socketFD, generic, length) == 0 && getsockname(socketFD, generic, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
