import Foundation
import Logging
import NIOCore
import NIOWebSocket
import ServiceLifecycle
import StratusKit

/// Nova's `nova-serialproxy`: what one WebSocket session of the serial console proxy does
/// (`SerialConsoleProxyServer` listens, 6083 by default, and admits a connection only with a
/// valid `?token=` from a console URL). The fake driver's consoles have no socket to connect
/// to, so a session streams the guest's console log instead: what is there at connect time,
/// then every new text as the host's driver writes it, until the client closes, the token's
/// server is gone, `sessionLimit` passes or the proxy shuts down. Input from the client is read
/// and dropped (the fake guest has no shell); pings are answered.
struct SerialConsoleProxy: Sendable {
    let database: StratusDatabase
    let backends: ComputeBackends
    let logger: Logger
    /// How often the guest's console log is read again.
    var pollInterval: Duration = .milliseconds(250)
    /// The longest a session stays open.
    var sessionLimit: Duration = .seconds(3600)

    /// The proxy's lifecycle service listening on `host:port` (0 for any free port;
    /// `onServerRunning` is told which).
    func server(
        host: String, port: Int, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> any Service {
        SerialConsoleProxyServer(proxy: self, host: host, port: port, onServerRunning: onServerRunning)
    }

    /// The server whose console the `token` query parameter of a request target opens; nil
    /// when there is no token or it is unknown or expired.
    func instanceUUID(forTokenIn requestTarget: String) async throws -> String? {
        guard let token = Self.token(in: requestTarget) else { return nil }
        return try await database.read { try await ComputeQueries(sql: $0).validConsoleToken(token) }?.instanceUUID
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

    /// Why a session ended, as the close code the proxy sends (or answers with).
    enum SessionEnd: Sendable {
        /// The client sent a close frame with this code (echoed back, as RFC 6455 asks).
        case clientClosed(WebSocketErrorCode?)
        /// The client's connection ended without a close frame: nothing to send.
        case clientGone
        /// The server was deleted or lost its host, or the session limit passed.
        case consoleEnded
        /// The proxy is shutting down.
        case proxyStopping
    }

    /// Streams the console log of server `uuid` to the client and answers its control frames
    /// until the session ends, then says why.
    func session(
        _ uuid: String, inbound: NIOAsyncChannelInboundStream<WebSocketFrame>,
        outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>
    ) async -> SessionEnd {
        do {
            return try await withThrowingTaskGroup(of: SessionEnd.self) { group in
                group.addTask { try await answerClient(inbound: inbound, outbound: outbound) }
                group.addTask {
                    try await sendConsoleLog(uuid, outbound: outbound)
                    return .consoleEnded
                }
                defer { group.cancelAll() }
                return try await group.next() ?? .clientGone
            }
        } catch {
            if Task.isCancelled { return .proxyStopping }
            logger.debug("serial console session of \(uuid) ended: \(error)")
            return .clientGone
        }
    }

    /// Reads what the client sends: text and binary are dropped, a ping gets its pong, a close
    /// ends the session.
    private func answerClient(
        inbound: NIOAsyncChannelInboundStream<WebSocketFrame>, outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>
    ) async throws -> SessionEnd {
        for try await frame in inbound {
            switch frame.opcode {
            case .connectionClose:
                var payload = frame.unmaskedData
                return .clientClosed(payload.readWebSocketErrorCode())
            case .ping:
                try await outbound.write(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData))
            default:
                continue
            }
        }
        return Task.isCancelled ? .proxyStopping : .clientGone
    }

    /// Sends the console log's new text every `pollInterval` until the server is gone or the
    /// session limit passes.
    private func sendConsoleLog(_ uuid: String, outbound: NIOAsyncChannelOutboundWriter<WebSocketFrame>) async throws {
        var sent = 0
        let deadline = ContinuousClock.now.advanced(by: sessionLimit)
        while ContinuousClock.now < deadline {
            guard let log = try await consoleLog(uuid) else { return }
            let bytes = Array(log.utf8)
            if bytes.count < sent { sent = 0 }  // a new guest (rebuild): start over
            if bytes.count > sent {
                let text = String(decoding: bytes[sent...], as: UTF8.self)
                try await outbound.write(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: text)))
                sent = bytes.count
            }
            try await Task.sleep(for: pollInterval)
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
