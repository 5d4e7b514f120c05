import Foundation
import Logging
import Synchronization

/// The message bus over a transport (in-process or AMQP): encodes every message into its
/// JSON envelope, routes it as oslo.messaging does, and for calls keeps one reply queue per
/// bus on which replies are matched to their callers by message id.
public final class TransportMessageBus: MessageBus {
    public let transport: any MessageTransport
    private let logger: Logger
    private let pending = PendingReplies()
    private let replyQueue = Mutex<ReplyQueueState>(.notOpened)

    private enum ReplyQueueState {
        case notOpened
        case opening(name: String, Task<any TransportSubscription, any Error>)
        case open(name: String, subscription: any TransportSubscription, listener: Task<Void, Never>)
        case closed
    }

    public init(transport: any MessageTransport, logger: Logger = Logger(label: "stratus.messaging")) {
        self.transport = transport
        self.logger = logger
    }

    public func call(
        _ target: MessageTarget, method: String, args: [String: JSONValue], context: MessagingContext,
        timeout: Duration
    ) async throws -> JSONValue {
        let start = ContinuousClock.now
        var failure: (any Error)?
        defer { record("call", target, method, context, start, failure) }
        do {
            let queue = try await openReplyQueue()
            let messageID = IDGenerator.hex()
            let request = RPCRequestMessage(
                method: method, args: args, namespace: target.namespace, version: target.version,
                replyTo: .init(messageID: messageID, queue: queue),
                context: context)
            pending.expect(messageID)
            let timer = Task { [pending] in
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                pending.resolve(
                    messageID,
                    with: .failure(
                        MessagingTimeout(target: target, method: method, timeout: timeout, messageID: messageID)))
            }
            defer { timer.cancel() }
            return try await withTaskCancellationHandler {
                do {
                    try await transport.send(request.encoded(), to: .routingKey(target.routingKey))
                } catch {
                    pending.resolve(messageID, with: .failure(error))
                }
                return try await pending.wait(for: messageID)
            } onCancel: { [pending] in
                pending.resolve(messageID, with: .failure(CancellationError()))
            }
        } catch {
            failure = error
            throw error
        }
    }

    public func cast(_ target: MessageTarget, method: String, args: [String: JSONValue], context: MessagingContext)
        async throws
    {
        try await send("cast", target, method, args, context, to: .routingKey(target.routingKey))
    }

    public func fanout(_ target: MessageTarget, method: String, args: [String: JSONValue], context: MessagingContext)
        async throws
    {
        try await send("fanout", target, method, args, context, to: .fanout(topic: target.topic))
    }

    public func notify(
        eventType: String, payload: JSONValue, priority: NotificationPriority, publisherID: String,
        context: MessagingContext, topic: String
    ) async throws {
        let start = ContinuousClock.now
        let notification = NotificationMessage(
            publisherID: publisherID, eventType: eventType, priority: priority, payload: payload, context: context)
        var failure: (any Error)?
        defer { record("notify", MessageTarget(topic: topic), eventType, context, start, failure) }
        do {
            try await transport.send(notification.encoded(), to: .routingKey(priority.routingKey(topic: topic)))
        } catch {
            failure = error
            throw error
        }
    }

    /// Closes the reply queue; calls still waiting fail with `MessageBusClosed`.
    public func close() async {
        let previous = replyQueue.withLock { state in
            let previous = state
            state = .closed
            return previous
        }
        switch previous {
        case .opening(_, let opening):
            if let subscription = try? await opening.value { await subscription.close() }
        case .open(_, let subscription, let listener):
            await subscription.close()
            await listener.value
        case .notOpened, .closed:
            break
        }
        pending.resolveAll(with: MessageBusClosed())
    }

    private func send(
        _ kind: String, _ target: MessageTarget, _ method: String, _ args: [String: JSONValue],
        _ context: MessagingContext, to destination: TransportDestination
    ) async throws {
        let start = ContinuousClock.now
        let request = RPCRequestMessage(
            method: method, args: args, namespace: target.namespace, version: target.version, replyTo: nil,
            context: context)
        var failure: (any Error)?
        defer { record(kind, target, method, context, start, failure) }
        do {
            try await transport.send(request.encoded(), to: destination)
        } catch {
            failure = error
            throw error
        }
    }

    /// The name of this bus's reply queue, subscribing to it on the first call.
    private func openReplyQueue() async throws -> String {
        let (name, opening, isOpener): (String, Task<any TransportSubscription, any Error>?, Bool) =
            try replyQueue.withLock { state in
                switch state {
                case .open(let name, _, _):
                    return (name, nil, false)
                case .opening(let name, let task):
                    return (name, task, false)
                case .closed:
                    throw MessageBusClosed()
                case .notOpened:
                    let name = "reply_" + IDGenerator.hex()
                    let declaration = QueueDeclaration(name: name, routingKey: name, exclusive: true)
                    let task = Task { [transport] in
                        try await transport.subscribe(to: [.queue(declaration)], prefetch: 64)
                    }
                    state = .opening(name: name, task)
                    return (name, task, true)
                }
            }
        guard let opening else { return name }
        let subscription: any TransportSubscription
        do {
            subscription = try await opening.value
        } catch {
            if isOpener { replyQueue.withLock { if case .opening = $0 { $0 = .notOpened } } }
            throw error
        }
        guard isOpener else { return name }
        let listener = Task { [pending, logger] in
            while let bytes = await subscription.next() {
                do {
                    let reply = try RPCReplyMessage(decoding: bytes)
                    let outcome = reply.outcome.mapError { $0.rethrowable }
                    if !pending.resolve(reply.messageID, with: outcome) {
                        logger.debug("reply for a call that stopped waiting", metadata: ["msg_id": "\(reply.messageID)"])
                    }
                } catch {
                    logger.warning("dropped a malformed reply", metadata: ["error": "\(error)"])
                }
            }
        }
        let stillWanted = replyQueue.withLock { state in
            guard case .opening = state else { return false }
            state = .open(name: name, subscription: subscription, listener: listener)
            return true
        }
        if !stillWanted {
            await subscription.close()
            throw MessageBusClosed()
        }
        return name
    }

    private func record(
        _ kind: String, _ target: MessageTarget, _ method: String, _ context: MessagingContext,
        _ start: ContinuousClock.Instant, _ failure: (any Error)?
    ) {
        let elapsed = ContinuousClock.now - start
        let outcome = MessagingMetrics.outcome(of: failure)
        MessagingMetrics.shared.record(
            kind: kind, topic: target.topic, method: method, outcome: outcome, elapsed: elapsed)
        logger.debug(
            "rpc \(kind)",
            metadata: [
                "request_id": "\(context.requestID)", "topic": "\(target.routingKey)", "method": "\(method)",
                "duration_ms": "\(Self.milliseconds(elapsed))", "outcome": "\(outcome)",
            ])
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    static func milliseconds(_ duration: Duration) -> String {
        String(format: "%.3f", seconds(duration) * 1000)
    }
}
