import Crypto
import Foundation
import NIOCore
import NIOPosix

/// A WebSocket client written by hand from RFC 6455 over a plain TCP connection, so tests of
/// the serial console proxy do not trust the server's own WebSocket library: it sends the
/// upgrade request itself, reads the response head, and decodes the server's frames (which
/// must be unmasked) byte by byte. Its own frames are masked, as a client's must be.
enum RawWebSocketClient {
    /// The response to the opening request, as the server sent it.
    struct Response {
        /// e.g. `HTTP/1.1 101 Switching Protocols`.
        var statusLine: String
        /// Header fields by lowercased name.
        var headers: [String: String]
    }

    /// A message or control frame from the server.
    enum Message: Equatable {
        case text(String)
        case binary([UInt8])
        case ping([UInt8])
        case pong([UInt8])
        /// A close frame and the status code it carries, if any.
        case close(UInt16?)
    }

    struct ProtocolViolation: Error, CustomStringConvertible {
        var description: String
    }

    /// A fresh `Sec-WebSocket-Key`: 16 random bytes in base64.
    static func makeKey() -> String {
        Data((0..<16).map { _ in UInt8.random(in: .min ... .max) }).base64EncodedString()
    }

    /// The `Sec-WebSocket-Accept` a server must answer `key` with.
    static func acceptValue(for key: String) -> String {
        Data(Insecure.SHA1.hash(data: Data((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))).base64EncodedString()
    }

    /// Connects to `host:port`, sends a GET for `path` (an upgrade request with `key` unless
    /// `upgrade` is false), and hands the response and the open connection to `body`.
    static func connect<Result: Sendable>(
        host: String, port: Int, path: String, key: String = makeKey(), upgrade: Bool = true,
        _ body: (Response, inout Connection) async throws -> Result
    ) async throws -> Result {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var request = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\n"
            if upgrade {
                request += "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
            }
            request += "\r\n"
            try await outbound.write(ByteBuffer(string: request))
            var connection = Connection(iterator: inbound.makeAsyncIterator(), outbound: outbound)
            let response = try await connection.readResponseHead()
            return try await body(response, &connection)
        }
    }

    /// The connection after the response head: frames (after a 101) or the rest of a plain response.
    struct Connection {
        fileprivate var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        fileprivate let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
        private var buffer = ByteBuffer()

        fileprivate init(
            iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
        ) {
            self.iterator = iterator
            self.outbound = outbound
        }

        /// Reads more bytes into the buffer; false at the end of the stream.
        private mutating func fill() async throws -> Bool {
            guard var chunk = try await iterator.next() else { return false }
            buffer.writeBuffer(&chunk)
            return true
        }

        fileprivate mutating func readResponseHead() async throws -> Response {
            let terminator = Array("\r\n\r\n".utf8)
            while true {
                let bytes = Array(buffer.readableBytesView)
                if let end = bytes.indices.first(where: { bytes[$0...].starts(with: terminator) }) {
                    let head = String(decoding: bytes[..<end], as: UTF8.self)
                    buffer.moveReaderIndex(forwardBy: end + terminator.count)
                    var lines = head.components(separatedBy: "\r\n")
                    let statusLine = lines.removeFirst()
                    var headers: [String: String] = [:]
                    for line in lines {
                        guard let colon = line.firstIndex(of: ":") else { continue }
                        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    }
                    return Response(statusLine: statusLine, headers: headers)
                }
                guard try await fill() else { throw ProtocolViolation(description: "the connection ended before a response head") }
            }
        }

        /// Everything else the server sends until it closes the connection, as text.
        mutating func remainingText() async throws -> String {
            while try await fill() {}
            return String(buffer: buffer)
        }

        /// The next message (fragments joined) or control frame; nil when the connection ends.
        mutating func nextMessage() async throws -> Message? {
            var fragments: (opcode: UInt8, payload: [UInt8])?
            while let frame = try await nextFrame() {
                switch frame.opcode {
                case 0x8:
                    let code = frame.payload.count >= 2 ? UInt16(frame.payload[0]) << 8 | UInt16(frame.payload[1]) : nil
                    return .close(code)
                case 0x9: return .ping(frame.payload)
                case 0xA: return .pong(frame.payload)
                case 0x1, 0x2:
                    guard fragments == nil else { throw ProtocolViolation(description: "a new message inside a fragmented one") }
                    fragments = (frame.opcode, frame.payload)
                case 0x0:
                    guard fragments != nil else { throw ProtocolViolation(description: "a continuation frame with no message") }
                    fragments?.payload += frame.payload
                default:
                    throw ProtocolViolation(description: "reserved opcode \(frame.opcode)")
                }
                if frame.fin, let message = fragments {
                    if message.opcode == 0x2 { return .binary(message.payload) }
                    guard let text = String(validating: message.payload, as: UTF8.self) else {
                        throw ProtocolViolation(description: "a text message that is not UTF-8")
                    }
                    return .text(text)
                }
            }
            return nil
        }

        /// One frame off the wire, decoded by RFC 6455 section 5.2.
        private mutating func nextFrame() async throws -> (fin: Bool, opcode: UInt8, payload: [UInt8])? {
            while true {
                let bytes = Array(buffer.readableBytesView)
                if bytes.count >= 2 {
                    if bytes[1] & 0x80 != 0 { throw ProtocolViolation(description: "a masked frame from the server") }
                    if bytes[0] & 0x70 != 0 { throw ProtocolViolation(description: "reserved bits set with no extension") }
                    var length = Int(bytes[1] & 0x7F)
                    var offset = 2
                    let extended = length == 126 ? 2 : length == 127 ? 8 : 0
                    if bytes.count >= offset + extended {
                        if extended > 0 {
                            length = bytes[offset..<offset + extended].reduce(0) { $0 << 8 | Int($1) }
                            offset += extended
                        }
                        if bytes.count >= offset + length {
                            buffer.moveReaderIndex(forwardBy: offset + length)
                            return (bytes[0] & 0x80 != 0, bytes[0] & 0x0F, Array(bytes[offset..<offset + length]))
                        }
                    }
                }
                guard try await fill() else {
                    if buffer.readableBytes > 0 { throw ProtocolViolation(description: "the connection ended inside a frame") }
                    return nil
                }
            }
        }

        /// Sends one masked frame (payloads up to 64 KiB).
        func send(opcode: UInt8, payload: [UInt8]) async throws {
            let mask = (0..<4).map { _ in UInt8.random(in: .min ... .max) }
            var frame: [UInt8] = [0x80 | opcode]
            if payload.count < 126 {
                frame.append(0x80 | UInt8(payload.count))
            } else {
                frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
            }
            frame += mask
            frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
            try await outbound.write(ByteBuffer(bytes: frame))
        }

        func sendText(_ text: String) async throws { try await send(opcode: 0x1, payload: Array(text.utf8)) }
        func sendPing(_ payload: String) async throws { try await send(opcode: 0x9, payload: Array(payload.utf8)) }
        func sendClose(code: UInt16) async throws { try await send(opcode: 0x8, payload: [UInt8(code >> 8), UInt8(code & 0xFF)]) }
    }

    struct TimedOut: Error {}

    /// Runs `operation`, failing with `TimedOut` (and cancelling it) after `limit`.
    static func withTimeout<T: Sendable>(
        _ limit: Duration, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw TimedOut()
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw TimedOut() }
            return first
        }
    }
}
