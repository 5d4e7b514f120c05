/// What carries the bus's messages between processes: an in-process broker today, AMQP 0-9-1
/// on RabbitMQ for a multi-node cloud. Messages are opaque bytes (JSON envelopes); routing
/// works as on an AMQP broker, so the bus behaves the same on either.
public protocol MessageTransport: Sendable {
    /// Hands a message to the transport. Waits while a destination queue that holds messages
    /// until they are consumed is full; a message routed to no queue is dropped, as a
    /// broker drops an unroutable message.
    func send(_ message: [UInt8], to destination: TransportDestination) async throws

    /// Starts consuming from `sources`. At most `prefetch` messages are handed to the
    /// subscription ahead of `next()`; the rest wait in their queues for other consumers.
    func subscribe(to sources: [TransportSource], prefetch: Int) async throws -> any TransportSubscription
}

/// A consumer of one or more queues.
public protocol TransportSubscription: Sendable {
    /// The next message, waiting until one comes; nil once the subscription is closed (or
    /// the waiting task is cancelled). A message is taken when it is returned: delivery is
    /// at most once.
    func next() async -> [UInt8]?

    /// Stops consuming. Messages delivered ahead but not yet taken go back to their shared
    /// queues for other consumers; the subscription's exclusive and fanout queues are deleted.
    func close() async
}

/// Where a message is sent.
public enum TransportDestination: Sendable, Hashable {
    /// Every queue bound to the routing key (`scheduler`, `compute.host1`,
    /// `notifications.info`, a reply queue); each queue gives the message to one consumer.
    case routingKey(String)
    /// Every fanout queue of the topic: one copy for each server listening on it.
    case fanout(topic: String)
}

/// What a subscription consumes.
public enum TransportSource: Sendable, Hashable {
    case queue(QueueDeclaration)
    /// A queue of this subscription alone on the topic's fanout, deleted when it closes.
    case fanout(topic: String)
}

/// A queue, created by the first subscription that declares it.
public struct QueueDeclaration: Sendable, Hashable {
    /// Subscriptions that declare the same name share the queue; each message goes to one
    /// of them, in turn.
    public var name: String
    public var routingKey: String
    /// Deleted when the declaring subscription closes (a caller's reply queue). A queue
    /// that is not exclusive outlives its consumers and keeps messages for the next one.
    public var exclusive: Bool
    public var overflow: QueueOverflow

    public init(name: String, routingKey: String, exclusive: Bool = false, overflow: QueueOverflow = .waitForSpace) {
        self.name = name
        self.routingKey = routingKey
        self.exclusive = exclusive
        self.overflow = overflow
    }
}

/// What a full queue does with one more message.
public enum QueueOverflow: Sendable, Hashable {
    /// The sender waits until a consumer takes a message (RPC: no request is lost).
    case waitForSpace
    /// The oldest message is dropped (notifications: a stopped listener must not stall
    /// the services that notify).
    case dropOldest
}
