import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import ServiceLifecycle
import StratusKit

/// Nova's `nova-serialproxy`: a WebSocket server (6083 by default) that opens the serial
/// console a `?token=` from a console URL names. A token that is unknown or expired gets no
/// upgrade (a plain 400). The fake driver's consoles have no socket to connect to, so the proxy
/// streams the guest's console log instead: what is there at connect time, then every new
/// line as the host's driver writes it, until the client closes, the token's server is
/// gone or `sessionLimit` passes. Input from the client is read and dropped (the fake guest
/// has no shell).
struct SerialConsoleProxy: Sendable {
    let database: StratusDatabase
    let backends: ComputeBackends
    let logger: Logger
    /// How often the guest's console log is read again.
    var pollInterval: Duration = .milliseconds(250)
    /// The longest a session stays open.
    var sessionLimit: Duration = .seconds(3600)

    /// The proxy's server on `host:port` (0 for any free port; `onServerRunning` is told which).
    func application(
        host: String, port: Int, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> any Service {
        let router = Router()
        router.get("/") { _, _ -> Response in
            Response(status: .badRequest, body: .init(byteBuffer: ByteBuffer(string: "A WebSocket upgrade with ?token= is required.\n")))
        }
        let proxy = self
        return Application(
            router: router,
            server: .http1WebSocketUpgrade { request, _, _ in
                guard let token = Self.token(in: request.path ?? ""),
                    let record = try await proxy.database.read({ try await ComputeQueries(sql: $0).validConsoleToken(token) })
                else { return .dontUpgrade }
                let instanceUUID = record.instanceUUID
                return .upgrade([:]) { inbound, outbound, _ in
                    try await proxy.stream(instanceUUID, inbound: inbound, outbound: outbound)
                }
            },
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// The `token` query parameter of a request path.
    static func token(in path: String) -> String? {
        guard let query = path.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == "token" { return String(parts[1]).removingPercentEncoding }
        }
        return nil
    }

    /// Sends the console log's new text until the client leaves or the server is gone.
    private func stream(
        _ uuid: String, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                // Drain what the client types; its end (a close) ends the session.
                for try await _ in inbound.messages(maxSize: 1 << 16) {}
            }
            group.addTask {
                var sent = 0
                let deadline = ContinuousClock.now.advanced(by: sessionLimit)
                while ContinuousClock.now < deadline {
                    guard let log = try await consoleLog(uuid) else { return }
                    let bytes = Array(log.utf8)
                    if bytes.count < sent { sent = 0 }  // a new guest (rebuild): start over
                    if bytes.count > sent {
                        try await outbound.write(.text(String(decoding: bytes[sent...], as: UTF8.self)))
                        sent = bytes.count
                    }
                    try await Task.sleep(for: pollInterval)
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// The guest's console log from its host; nil once the server is deleted or has no host.
    private func consoleLog(_ uuid: String) async throws -> String? {
        guard let instance = try await database.read({ try await ComputeQueries(sql: $0).instance(uuid: uuid) }),
            let host = instance.host
        else { return nil }
        let reply = try await backends.bus.call(
            ComputeRPC.compute(host: host), method: "get_console_output", args: ["instance_uuid": .string(uuid)],
            context: MessagingContext(
                userID: instance.userID, projectID: instance.projectID, roles: ["admin"],
                requestID: "req-" + IDGenerator.uuid()),
            timeout: .seconds(30))
        return reply.stringValue ?? ""
    }
}
