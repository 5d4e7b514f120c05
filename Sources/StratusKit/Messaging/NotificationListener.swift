import Logging

/// Consumes the notifications of chosen priorities from a notifications topic, for
/// Telemetry, Orchestration and anyone else who follows events. Listeners in the same pool
/// share the notifications (each goes to one of them) and every pool gets each one; the
/// listeners that name no pool form one more pool. Queues hold notifications while their listeners
/// are away, up to the transport's capacity, dropping the oldest beyond it.
public final class NotificationListener: AsyncSequence, Sendable {
    public typealias Element = NotificationMessage
    public static let defaultTopic = "notifications"

    private let subscription: any TransportSubscription
    private let logger: Logger

    private init(subscription: any TransportSubscription, logger: Logger) {
        self.subscription = subscription
        self.logger = logger
    }

    /// Starts listening: notifications sent after this returns are received.
    public static func subscribe(
        transport: any MessageTransport, topic: String = defaultTopic,
        priorities: Set<NotificationPriority> = Set(NotificationPriority.allCases), pool: String? = nil,
        prefetch: Int = 64, logger: Logger = Logger(label: "stratus.messaging")
    ) async throws -> NotificationListener {
        let sources = priorities.sorted { $0.rawValue < $1.rawValue }.map { priority in
            let key = priority.routingKey(topic: topic)
            return TransportSource.queue(
                QueueDeclaration(name: pool.map { key + "." + $0 } ?? key, routingKey: key, overflow: .dropOldest))
        }
        let subscription = try await transport.subscribe(to: sources, prefetch: prefetch)
        return NotificationListener(subscription: subscription, logger: logger)
    }

    /// The next notification; nil once the listener is closed.
    public func next() async -> NotificationMessage? {
        while let bytes = await subscription.next() {
            do {
                return try NotificationMessage(decoding: bytes)
            } catch {
                logger.warning("dropped a malformed notification", metadata: ["error": "\(error)"])
            }
        }
        return nil
    }

    public func close() async { await subscription.close() }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let listener: NotificationListener
        public mutating func next() async -> NotificationMessage? { await listener.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(listener: self) }
}
