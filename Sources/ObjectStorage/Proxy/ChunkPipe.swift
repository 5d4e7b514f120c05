import NIOCore
import Synchronization

/// A one-producer, one-consumer stream of body chunks with backpressure: `send` waits
/// while `capacity` chunks are queued, so a proxy writing one upload to several object
/// servers never holds more than a few chunks per server, however slow one of them is.
/// When the consumer goes away (its request failed), sends are dropped instead of waiting.
final class ChunkPipe: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    private struct State {
        var queue: [ByteBuffer] = []
        var finished = false
        var failure: (any Error)?
        var consumerGone = false
        var waitingConsumer: CheckedContinuation<ByteBuffer?, any Error>?
        var waitingProducer: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int = 4) {
        self.capacity = capacity
    }

    /// Queues a chunk, waiting while the queue is full.
    func send(_ chunk: ByteBuffer) async {
        await withCheckedContinuation { (producer: CheckedContinuation<Void, Never>) in
            let resume: (consumer: CheckedContinuation<ByteBuffer?, any Error>?, producerNow: Bool) = state.withLock { state in
                if state.consumerGone || state.finished { return (nil, true) }
                if let consumer = state.waitingConsumer {
                    state.waitingConsumer = nil
                    return (consumer, true)
                }
                state.queue.append(chunk)
                if state.queue.count < capacity { return (nil, true) }
                state.waitingProducer = producer
                return (nil, false)
            }
            resume.consumer?.resume(returning: chunk)
            if resume.producerNow { producer.resume() }
        }
    }

    /// Ends the stream: the consumer sees the end after the queued chunks, or `error`.
    func finish(throwing error: (any Error)? = nil) {
        let consumer = state.withLock { state -> CheckedContinuation<ByteBuffer?, any Error>? in
            state.finished = true
            state.failure = error
            defer { state.waitingConsumer = nil }
            return state.waitingConsumer
        }
        if let error { consumer?.resume(throwing: error) } else { consumer?.resume(returning: nil) }
    }

    /// The consumer stopped reading: release a waiting producer and drop later chunks.
    func abandon() {
        let producer = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.consumerGone = true
            state.queue.removeAll()
            defer { state.waitingProducer = nil }
            return state.waitingProducer
        }
        producer?.resume()
    }

    private func next() async throws -> ByteBuffer? {
        try await withCheckedThrowingContinuation { (consumer: CheckedContinuation<ByteBuffer?, any Error>) in
            enum Outcome { case chunk(ByteBuffer, CheckedContinuation<Void, Never>?), end, failed(any Error), wait }
            let outcome: Outcome = state.withLock { state in
                if !state.queue.isEmpty {
                    let chunk = state.queue.removeFirst()
                    defer { state.waitingProducer = nil }
                    return .chunk(chunk, state.waitingProducer)
                }
                if state.finished { return state.failure.map { .failed($0) } ?? .end }
                state.waitingConsumer = consumer
                return .wait
            }
            switch outcome {
            case .chunk(let chunk, let producer):
                producer?.resume()
                consumer.resume(returning: chunk)
            case .end: consumer.resume(returning: nil)
            case .failed(let error): consumer.resume(throwing: error)
            case .wait: break
            }
        }
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let pipe: ChunkPipe
        mutating func next() async throws -> ByteBuffer? { try await pipe.next() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pipe: self) }
}
