import Logging
import Synchronization

/// Serves a topic on one host, as an oslo.messaging RPC server does: it consumes the shared
/// topic queue (`compute`, taking turns with the topic's other servers), its own queue
/// (`compute.host1`) and its fanout queue; runs each request's handler, at most
/// `maxConcurrentHandlers` at a time; and answers calls with the result or the error.
public final class RPCServer: Sendable {
    /// The topic and this server's name on it.
    public let target: MessageTarget
    public let maxConcurrentHandlers: Int
    private let transport: any MessageTransport
    private let dispatcher: RPCDispatcher
    private let logger: Logger
    private let handlerPermits: AsyncSemaphore
    private let state = Mutex<RunState>(.idle)

    private enum RunState {
        case idle
        case running(any TransportSubscription, Task<Void, Never>)
        case stopped
    }

    public init(
        transport: any MessageTransport, target: MessageTarget, endpoints: [RPCEndpoint],
        maxConcurrentHandlers: Int = 64, logger: Logger = Logger(label: "stratus.messaging")
    ) {
        precondition(target.server != nil, "an RPC server needs a topic and a server name")
        precondition(maxConcurrentHandlers > 0)
        self.transport = transport
        self.target = target
        self.dispatcher = RPCDispatcher(endpoints: endpoints)
        self.maxConcurrentHandlers = maxConcurrentHandlers
        self.logger = logger
        self.handlerPermits = AsyncSemaphore(permits: maxConcurrentHandlers)
    }

    /// Starts consuming; messages sent after this returns reach the server.
    public func start() async throws {
        let subscription = try await transport.subscribe(
            to: [
                .queue(QueueDeclaration(name: target.topic, routingKey: target.topic)),
                .queue(QueueDeclaration(name: target.routingKey, routingKey: target.routingKey)),
                .fanout(topic: target.topic),
            ],
            prefetch: maxConcurrentHandlers)
        let started = state.withLock { state in
            guard case .idle = state else { return false }
            state = .running(subscription, Task { await self.consume(subscription) })
            return true
        }
        if !started {
            await subscription.close()
            preconditionFailure("RPC server \(target) started twice")
        }
    }

    /// Stops taking messages, then waits for the handlers already running to finish and
    /// their replies to be sent. Messages the server had not started go back to the
    /// topic's queue for its other servers.
    public func stop() async {
        let running = state.withLock { state in
            let previous = state
            state = .stopped
            return previous
        }
        guard case .running(let subscription, let consumer) = running else { return }
        await subscription.close()
        await consumer.value
    }

    private func consume(_ subscription: any TransportSubscription) async {
        await withDiscardingTaskGroup { group in
            while true {
                await handlerPermits.acquire()
                guard let bytes = await subscription.next() else {
                    handlerPermits.release()
                    return
                }
                group.addTask {
                    await self.handle(bytes)
                    self.handlerPermits.release()
                }
            }
        }
    }

    private func handle(_ bytes: [UInt8]) async {
        let request: RPCRequestMessage
        do {
            request = try RPCRequestMessage(decoding: bytes)
        } catch {
            logger.warning("dropped a malformed message", metadata: ["topic": "\(target.routingKey)", "error": "\(error)"])
            return
        }
        let start = ContinuousClock.now
        let outcome: Result<JSONValue, RemoteError>
        do {
            let handler = try dispatcher.handler(
                method: request.method, namespace: request.namespace, version: request.version)
            outcome = .success(
                try await handler(
                    RPCRequest(
                        method: request.method, args: request.args, context: request.context,
                        expectsReply: request.replyTo != nil)))
        } catch {
            outcome = .failure(RemoteError(describing: error))
        }
        let elapsed = ContinuousClock.now - start
        var metadata: Logger.Metadata = [
            "request_id": "\(request.context.requestID)", "topic": "\(target.routingKey)",
            "method": "\(request.method)", "duration_ms": "\(TransportMessageBus.milliseconds(elapsed))",
        ]
        if let replyTo = request.replyTo {
            let reply = RPCReplyMessage(messageID: replyTo.messageID, outcome: outcome)
            do {
                try await transport.send(reply.encoded(), to: .routingKey(replyTo.queue))
            } catch {
                metadata["error"] = "\(error)"
                logger.warning("could not send a reply", metadata: metadata)
            }
        } else if case .failure(let error) = outcome {
            metadata["error"] = "\(error)"
            logger.error("handler of a cast failed", metadata: metadata)
        }
        let failure: (any Error)? = if case .failure(let error) = outcome { error } else { nil }
        MessagingMetrics.shared.record(
            kind: "handle", topic: target.topic, method: request.method,
            outcome: MessagingMetrics.outcome(of: failure), elapsed: elapsed)
        metadata["outcome"] = "\(MessagingMetrics.outcome(of: failure))"
        logger.debug("rpc handled", metadata: metadata)
    }
}
