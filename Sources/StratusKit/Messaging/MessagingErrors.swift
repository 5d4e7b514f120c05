/// A call got no reply in time: no server listens on the target, or the handler was slower
/// than the caller's timeout (oslo.messaging's `MessagingTimeout`). The call may still run.
public struct MessagingTimeout: Error, Sendable, CustomStringConvertible {
    public var target: MessageTarget
    public var method: String
    public var timeout: Duration
    public var messageID: String

    public var description: String {
        "Timed out after \(Self.seconds(timeout)) seconds waiting for a reply to \(method) on topic \(target.routingKey)"
            + " (message ID \(messageID))"
    }

    static func seconds(_ duration: Duration) -> String {
        let seconds = TransportMessageBus.seconds(duration)
        return seconds == seconds.rounded() ? String(Int64(seconds)) : String(seconds)
    }
}

/// No endpoint of the server exposes the method (oslo.messaging's `NoSuchMethod`). Raised on
/// the server and re-thrown by the caller.
public struct NoSuchMethod: Error, Sendable, CustomStringConvertible {
    public var method: String
    public init(method: String) { self.method = method }
    public var description: String { "Endpoint does not support RPC method \(method)" }
}

/// An endpoint has the method but not at a compatible version (oslo.messaging's
/// `UnsupportedVersion`). Raised on the server and re-thrown by the caller.
public struct UnsupportedVersion: Error, Sendable, CustomStringConvertible {
    public var version: String
    public var method: String
    public init(version: String, method: String) {
        self.version = version
        self.method = method
    }
    public var description: String { "Endpoint does not support RPC version \(version). Attempted method: \(method)" }
}

/// Bytes from the transport that are not a message this bus understands.
public struct MalformedMessage: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "Malformed message: \(reason)" }
}

/// The bus was shut down; no more messages are sent or awaited.
public struct MessageBusClosed: Error, Sendable, CustomStringConvertible {
    public init() {}
    public var description: String { "The message bus is closed" }
}
