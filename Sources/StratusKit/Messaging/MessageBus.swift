/// How the parts of a service talk to each other (api → conductor → scheduler → compute),
/// with oslo.messaging's four patterns. Every message carries the request context.
public protocol MessageBus: Sendable {
    /// Invokes `method` on one server of the target and waits for its result. Throws
    /// `MessagingTimeout` when no reply comes within `timeout`, `RemoteError` when the
    /// handler threw, `NoSuchMethod` or `UnsupportedVersion` when no endpoint serves it.
    func call(
        _ target: MessageTarget, method: String, args: [String: JSONValue], context: MessagingContext,
        timeout: Duration
    ) async throws -> JSONValue

    /// Sends `method` to one server of the target without waiting for it to run; returns
    /// once the transport has the message.
    func cast(_ target: MessageTarget, method: String, args: [String: JSONValue], context: MessagingContext)
        async throws

    /// Sends `method` to every server listening on the target's topic (its server is ignored).
    func fanout(_ target: MessageTarget, method: String, args: [String: JSONValue], context: MessagingContext)
        async throws

    /// Announces an event on `topic.<priority>` (by default `notifications.info` and so on)
    /// for Telemetry, Orchestration and any other listener.
    func notify(
        eventType: String, payload: JSONValue, priority: NotificationPriority, publisherID: String,
        context: MessagingContext, topic: String
    ) async throws
}

/// The shorter forms: no arguments, the default timeout, the default notifications topic.
extension MessageBus {
    /// The default call timeout, oslo.messaging's `rpc_response_timeout`.
    public static var defaultCallTimeout: Duration { .seconds(60) }

    public func call(
        _ target: MessageTarget, method: String, context: MessagingContext, timeout: Duration = Self.defaultCallTimeout
    ) async throws -> JSONValue {
        try await call(target, method: method, args: [:], context: context, timeout: timeout)
    }

    public func call(
        _ target: MessageTarget, method: String, args: [String: JSONValue], context: MessagingContext
    ) async throws -> JSONValue {
        try await call(target, method: method, args: args, context: context, timeout: Self.defaultCallTimeout)
    }

    public func cast(_ target: MessageTarget, method: String, context: MessagingContext) async throws {
        try await cast(target, method: method, args: [:], context: context)
    }

    public func fanout(_ target: MessageTarget, method: String, context: MessagingContext) async throws {
        try await fanout(target, method: method, args: [:], context: context)
    }

    public func notify(
        eventType: String, payload: JSONValue, priority: NotificationPriority = .info, publisherID: String,
        context: MessagingContext
    ) async throws {
        try await notify(
            eventType: eventType, payload: payload, priority: priority, publisherID: publisherID, context: context,
            topic: NotificationListener.defaultTopic)
    }
}
