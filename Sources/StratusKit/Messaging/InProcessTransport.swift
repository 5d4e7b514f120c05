import Synchronization

/// The embedded transport: a broker in memory with the routing of an AMQP broker (queues
/// bound to routing keys, fanout queues per listener), bounded queues, and consumers served
/// in turn. Waiting senders and consumers suspend; nothing polls.
public final class InProcessTransport: MessageTransport {
    private let state: Mutex<BrokerState>
    /// How many messages a queue holds before senders wait (or its oldest message is dropped).
    public let queueCapacity: Int

    public init(queueCapacity: Int = 1024) {
        precondition(queueCapacity > 0)
        self.queueCapacity = queueCapacity
        self.state = Mutex(BrokerState())
    }

    public func send(_ message: [UInt8], to destination: TransportDestination) async throws {
        let queues = state.withLock { state in
            switch destination {
            case .routingKey(let key): state.bindings[key] ?? []
            case .fanout(let topic): state.fanouts[topic] ?? []
            }
        }
        for queue in queues {
            try await enqueue(message, into: queue)
        }
    }

    public func subscribe(to sources: [TransportSource], prefetch: Int) async throws -> any TransportSubscription {
        precondition(prefetch > 0)
        let capacity = queueCapacity
        let id = state.withLock { state in
            let id = state.makeID()
            var names: [String] = []
            for source in sources {
                switch source {
                case .queue(let declaration):
                    if state.queues[declaration.name] == nil {
                        state.queues[declaration.name] = QueueState(
                            capacity: capacity, overflow: declaration.overflow,
                            owner: declaration.exclusive ? id : nil)
                        state.bindings[declaration.routingKey, default: []].append(declaration.name)
                        state.queueKeys[declaration.name] = declaration.routingKey
                    }
                    names.append(declaration.name)
                case .fanout(let topic):
                    let name = "\(topic)_fanout_\(id)"
                    state.queues[name] = QueueState(capacity: capacity, overflow: .waitForSpace, owner: id)
                    state.fanouts[topic, default: []].append(name)
                    state.fanoutTopics[name] = topic
                    names.append(name)
                }
            }
            state.consumers[id] = ConsumerState(prefetch: prefetch, queues: names)
            for name in names {
                state.queues[name]!.consumers.append(id)
                state.pump(name)
            }
            return id
        }
        return InProcessSubscription(transport: self, id: id)
    }

    private func enqueue(_ message: [UInt8], into queue: String) async throws {
        let senderID = state.withLock { $0.makeID() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                state.withLock { state in
                    guard state.queues[queue] != nil else { return continuation.resume() }
                    if state.queues[queue]!.accepts(message) {
                        state.pump(queue)
                        return continuation.resume()
                    }
                    if Task.isCancelled { return continuation.resume(throwing: CancellationError()) }
                    state.queues[queue]!.waitingSenders.append(
                        WaitingSender(id: senderID, message: message, continuation: continuation))
                }
            }
        } onCancel: {
            state.withLock { state in
                guard let index = state.queues[queue]?.waitingSenders.firstIndex(where: { $0.id == senderID }) else {
                    return
                }
                state.queues[queue]!.waitingSenders.remove(at: index).continuation.resume(throwing: CancellationError())
            }
        }
    }

    fileprivate func next(consumer id: Int) async -> [UInt8]? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[UInt8]?, Never>) in
                state.withLock { state in
                    guard var consumer = state.consumers[id] else { return continuation.resume(returning: nil) }
                    if !consumer.inbox.isEmpty {
                        let delivery = consumer.inbox.removeFirst()
                        state.consumers[id] = consumer
                        for queue in consumer.queues { state.pump(queue) }
                        return continuation.resume(returning: delivery.message)
                    }
                    if Task.isCancelled { return continuation.resume(returning: nil) }
                    consumer.waiter = continuation
                    state.consumers[id] = consumer
                }
            }
        } onCancel: {
            state.withLock { state in
                state.consumers[id]?.waiter.take()?.resume(returning: nil)
            }
        }
    }

    fileprivate func close(consumer id: Int) {
        state.withLock { state in
            guard let consumer = state.consumers.removeValue(forKey: id) else { return }
            consumer.waiter?.resume(returning: nil)
            for name in consumer.queues {
                guard var queue = state.queues[name] else { continue }
                queue.removeConsumer(id)
                if queue.owner == id {
                    state.deleteQueue(name)
                } else {
                    state.queues[name] = queue
                }
            }
            // Undelivered messages go back to the front of their queues, in order.
            for delivery in consumer.inbox.reversed() {
                state.queues[delivery.queue]?.buffer.insert(delivery.message, at: 0)
            }
            for name in Set(consumer.inbox.map(\.queue)) { state.pump(name) }
        }
    }
}

/// A subscription to the in-process broker.
final class InProcessSubscription: TransportSubscription {
    private let transport: InProcessTransport
    private let id: Int

    init(transport: InProcessTransport, id: Int) {
        self.transport = transport
        self.id = id
    }

    func next() async -> [UInt8]? { await transport.next(consumer: id) }
    func close() async { transport.close(consumer: id) }
}

/// Everything the in-process broker holds, guarded by one lock.
private struct BrokerState {
    var queues: [String: QueueState] = [:]
    var bindings: [String: [String]] = [:]
    var queueKeys: [String: String] = [:]
    var fanouts: [String: [String]] = [:]
    var fanoutTopics: [String: String] = [:]
    var consumers: [Int: ConsumerState] = [:]
    private var lastID = 0

    mutating func makeID() -> Int {
        lastID += 1
        return lastID
    }

    /// Moves the queue's messages to its consumers, in turn, while any has room; then lets
    /// waiting senders into the room that made in the queue.
    mutating func pump(_ name: String) {
        guard var queue = queues[name] else { return }
        defer { queues[name] = queue }
        var admitted = true
        while admitted {
            while !queue.buffer.isEmpty, let chosen = nextConsumerWithRoom(&queue) {
                let message = queue.buffer.removeFirst()
                if let waiter = consumers[chosen]!.waiter.take() {
                    waiter.resume(returning: message)
                } else {
                    consumers[chosen]!.inbox.append(Delivery(message: message, queue: name))
                }
            }
            admitted = false
            while queue.buffer.count < queue.capacity, !queue.waitingSenders.isEmpty {
                let sender = queue.waitingSenders.removeFirst()
                queue.buffer.append(sender.message)
                sender.continuation.resume()
                admitted = true
            }
        }
    }

    /// The queue's next consumer in turn that has room for a message, advancing the turn.
    private func nextConsumerWithRoom(_ queue: inout QueueState) -> Int? {
        for step in 0..<queue.consumers.count {
            let index = (queue.cursor + step) % queue.consumers.count
            if let consumer = consumers[queue.consumers[index]], consumer.inbox.count < consumer.prefetch {
                queue.cursor = (index + 1) % queue.consumers.count
                return queue.consumers[index]
            }
        }
        return nil
    }

    /// Removes a queue and its binding; senders waiting on it go on (their messages are dropped).
    mutating func deleteQueue(_ name: String) {
        guard let queue = queues.removeValue(forKey: name) else { return }
        if let key = queueKeys.removeValue(forKey: name) {
            bindings[key]?.removeAll { $0 == name }
            if bindings[key]?.isEmpty == true { bindings[key] = nil }
        }
        if let topic = fanoutTopics.removeValue(forKey: name) {
            fanouts[topic]?.removeAll { $0 == name }
            if fanouts[topic]?.isEmpty == true { fanouts[topic] = nil }
        }
        for sender in queue.waitingSenders { sender.continuation.resume() }
    }
}

private struct QueueState {
    let capacity: Int
    let overflow: QueueOverflow
    /// The subscription an exclusive or fanout queue belongs to.
    let owner: Int?
    var buffer: [[UInt8]] = []
    var consumers: [Int] = []
    /// The consumer to offer the next message to first.
    var cursor = 0
    var waitingSenders: [WaitingSender] = []

    init(capacity: Int, overflow: QueueOverflow, owner: Int?) {
        self.capacity = capacity
        self.overflow = overflow
        self.owner = owner
    }

    /// Adds the message when there is room (or room can be made); false when its sender must wait.
    mutating func accepts(_ message: [UInt8]) -> Bool {
        if buffer.count < capacity, waitingSenders.isEmpty {
            buffer.append(message)
            return true
        }
        guard overflow == .dropOldest else { return false }
        buffer.removeFirst()
        buffer.append(message)
        return true
    }

    mutating func removeConsumer(_ id: Int) {
        guard let index = consumers.firstIndex(of: id) else { return }
        consumers.remove(at: index)
        if index < cursor { cursor -= 1 }
        if cursor >= consumers.count { cursor = 0 }
    }
}

private struct ConsumerState {
    let prefetch: Int
    let queues: [String]
    var inbox: [Delivery] = []
    var waiter: CheckedContinuation<[UInt8]?, Never>?

    init(prefetch: Int, queues: [String]) {
        self.prefetch = prefetch
        self.queues = queues
    }
}

private struct Delivery {
    var message: [UInt8]
    var queue: String
}

private struct WaitingSender {
    var id: Int
    var message: [UInt8]
    var continuation: CheckedContinuation<Void, any Error>
}
