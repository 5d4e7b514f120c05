import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import ServiceLifecycle
import Synchronization

/// The serial console proxy's listener, on SwiftNIO: HTTP/1 where a WebSocket upgrade request
/// (RFC 6455) carrying a valid console token is answered `101 Switching Protocols` and becomes a
/// `SerialConsoleProxy` session; every other request (no upgrade, no token, an unknown or
/// expired one) gets a plain 400 and the connection is closed. A lifecycle service: it runs
/// until graceful shutdown, which stops accepting and ends every open session with a
/// "going away" close frame.
struct SerialConsoleProxyServer: Service {
    let proxy: SerialConsoleProxy
    let host: String
    let port: Int
    let onServerRunning: @Sendable (Int) async -> Void

    /// What an accepted connection became once its first request was read.
    enum Connection: Sendable {
        /// Upgraded: WebSocket frames, opening the console of server `instanceUUID`.
        case console(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, instanceUUID: String)
        /// Not upgraded: still HTTP/1, to be refused.
        case refused(NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>)
    }

    /// The server a connection's token opened, handed from the upgrade check to the upgraded
    /// pipeline (both run on the connection's event loop, one after the other).
    private final class AdmittedConsole: Sendable {
        let instanceUUID = Mutex<String?>(nil)
    }

    func run() async throws {
        let proxy = self.proxy
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture { try Self.configure(channel, proxy: proxy) }
            }
        proxy.logger.info("serial console proxy listening on \(host):\(listener.channel.localAddress?.port ?? port)")
        await onServerRunning(listener.channel.localAddress?.port ?? port)
        // Shutdown cancels the accept loop (closing the listener) and every session in it.
        try await cancelWhenGracefulShutdown {
            do {
                try await withThrowingDiscardingTaskGroup { sessions in
                    try await listener.executeThenClose { connections in
                        for try await connection in connections {
                            sessions.addTask { await Self.serve(connection, proxy: proxy) }
                        }
                    }
                }
            } catch where Task.isCancelled {
                // The listener's stream ends with a cancellation error on shutdown: not a failure.
            }
        }
    }

    /// An HTTP/1 pipeline that upgrades to WebSocket only for a valid console token.
    private static func configure(_ channel: Channel, proxy: SerialConsoleProxy) throws -> EventLoopFuture<Connection> {
        let admitted = AdmittedConsole()
        let upgrader = NIOTypedWebSocketServerUpgrader<Connection>(
            shouldUpgrade: { channel, request in
                channel.eventLoop.makeFutureWithTask { () -> HTTPHeaders? in
                    do {
                        guard let uuid = try await proxy.instanceUUID(forTokenIn: request.uri) else { return nil }
                        admitted.instanceUUID.withLock { $0 = uuid }
                        return HTTPHeaders()
                    } catch {
                        proxy.logger.warning("serial console proxy could not check a token: \(error)")
                        return nil
                    }
                }
            },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    guard let uuid = admitted.instanceUUID.withLock({ $0 }) else {
                        throw NIOWebSocketUpgradeError.unsupportedWebSocketTarget
                    }
                    let frames = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(wrappingChannelSynchronously: channel)
                    return .console(frames, instanceUUID: uuid)
                }
            })
        let upgrade = NIOTypedHTTPServerUpgradeConfiguration<Connection>(
            upgraders: [upgrader],
            notUpgradingCompletionHandler: { channel in
                channel.eventLoop.makeCompletedFuture {
                    .refused(try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel))
                }
            })
        return try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(
            configuration: .init(upgradeConfiguration: upgrade))
    }

    /// Runs one connection to its end.
    private static func serve(_ connection: EventLoopFuture<Connection>, proxy: SerialConsoleProxy) async {
        do {
            switch try await connection.get() {
            case .console(let frames, let uuid):
                try await frames.executeThenClose { inbound, outbound in
                    let end = await proxy.session(uuid, inbound: inbound, outbound: outbound)
                    if let close = closeFrame(for: end) {
                        // Written on the channel, not the writer: a cancelled task (shutdown)
                        // can no longer write through the writer.
                        try? await frames.channel.writeAndFlush(close).get()
                    }
                }
            case .refused(let http):
                try await http.executeThenClose { _, outbound in try await refuse(outbound: outbound) }
            }
        } catch {
            proxy.logger.debug("serial console proxy connection ended: \(error)")
        }
    }

    /// The close frame that ends a session, if one is still owed to the client.
    private static func closeFrame(for end: SerialConsoleProxy.SessionEnd) -> WebSocketFrame? {
        let code: WebSocketErrorCode
        switch end {
        case .clientGone: return nil
        case .clientClosed(let echoed): code = echoed ?? .normalClosure
        case .consoleEnded: code = .normalClosure
        case .proxyStopping: code = .goingAway
        }
        var payload = ByteBuffer()
        payload.write(webSocketErrorCode: code)
        return WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)
    }

    /// Answers a request that was not upgraded: 400, and the connection closes. The request
    /// is not read here: after a refused upgrade NIO has consumed it already, and a plain
    /// request needs no more than this answer.
    private static func refuse(outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) async throws {
        let body = ByteBuffer(string: "A WebSocket upgrade with a valid ?token= is required.\n")
        let headers: HTTPHeaders = [
            "Content-Type": "text/plain; charset=utf-8", "Content-Length": "\(body.readableBytes)", "Connection": "close",
        ]
        try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers)))
        try await outbound.write(.body(.byteBuffer(body)))
        try await outbound.write(.end(nil))
    }
}
