import Foundation
import Logging
import StratusKit
import Synchronization

/// Suspends handlers until the test opens it.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            state.withLock { state in
                if state.open { continuation.resume() } else { state.waiters.append(continuation) }
            }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            let waiters = state.waiters
            state.waiters = []
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// Events reported by handlers, awaited by the test.
final class EventLog<Event: Sendable>: Sendable {
    private let stream: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Event.self)
    }

    func record(_ event: Event) { continuation.yield(event) }

    /// The next `count` events, failing when they take longer than `seconds` (generous:
    /// this is the success path).
    func next(_ count: Int, within seconds: Double = 20) async throws -> [Event] {
        let stream = self.stream
        return try await withThrowingTaskGroup(of: [Event]?.self) { group in
            group.addTask {
                var events: [Event] = []
                for await event in stream {
                    events.append(event)
                    if events.count == count { break }
                }
                return events
            }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                return nil
            }
            let first = try await group.next()!
            group.cancelAll()
            guard let events = first else { throw TestTimeout(waitingFor: "\(count) events") }
            return events
        }
    }
}

struct TestTimeout: Error, CustomStringConvertible {
    var waitingFor: String
    var description: String { "timed out waiting for \(waitingFor)" }
}

/// Counts handlers running at once and the most seen.
final class ConcurrencyMeter: Sendable {
    private let state = Mutex<(running: Int, peak: Int, finished: Int)>((0, 0, 0))
    func enter() { state.withLock { $0.running += 1; $0.peak = max($0.peak, $0.running) } }
    func leave() { state.withLock { $0.running -= 1; $0.finished += 1 } }
    var peak: Int { state.withLock { $0.peak } }
    var running: Int { state.withLock { $0.running } }
    var finished: Int { state.withLock { $0.finished } }
}

/// A server on `topic` named `server` whose `whoami` returns its name and whose `record`
/// reports `(server, args)` to the log.
func recordingServer(
    _ transport: InProcessTransport, topic: String, server: String, log: EventLog<(String, JSONValue)>
) -> RPCServer {
    var endpoint = RPCEndpoint()
    endpoint.on("whoami") { _ in .string(server) }
    endpoint.on("record") { request in
        log.record((server, .object(request.args)))
        return .null
    }
    return RPCServer(
        transport: transport, target: MessageTarget(topic: topic, server: server), endpoints: [endpoint])
}

/// Keeps every log record, for tests of what the bus logs.
struct RecordingLogHandler: LogHandler {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    final class Store: Sendable {
        private let records = Mutex<[Record]>([])
        func append(_ record: Record) { records.withLock { $0.append(record) } }
        var all: [Record] { records.withLock { $0 } }
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        store.append(
            Record(level: event.level, message: event.message.description, metadata: merged.mapValues(\.description)))
    }
}
