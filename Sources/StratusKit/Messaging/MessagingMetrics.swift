import Prometheus
import Synchronization

/// Prometheus counters and duration histograms of the bus, labelled by pattern (`call`,
/// `cast`, `fanout`, `notify`, or `handle` for a server running a handler), topic (without
/// the server, to keep the label set small), method (event type for notifications) and
/// outcome (`ok`, `timeout`, `remote_error`, `error`).
final class MessagingMetrics: Sendable {
    static let shared = MessagingMetrics(registry: MetricsRegistry.shared)

    struct Key: Hashable, Sendable {
        var kind: String
        var topic: String
        var method: String
        var outcome: String
    }

    struct Pair: Sendable {
        let count: Counter
        let duration: DurationHistogram
    }

    private let registry: PrometheusCollectorRegistry
    private let pairs = Mutex<[Key: Pair]>([:])
    private static let buckets: [Duration] = [
        .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10),
        .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5), .seconds(30),
    ]

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    func record(kind: String, topic: String, method: String, outcome: String, elapsed: Duration) {
        let key = Key(kind: kind, topic: topic, method: method, outcome: outcome)
        let pair =
            pairs.withLock { $0[key] }
            ?? {
                let labels = [("kind", kind), ("topic", topic), ("method", method), ("outcome", outcome)]
                let made = Pair(
                    count: registry.makeCounter(name: "stratus_rpc_messages_total", labels: labels),
                    duration: registry.makeDurationHistogram(
                        name: "stratus_rpc_duration_seconds", labels: labels, buckets: Self.buckets))
                pairs.withLock { $0[key] = made }
                return made
            }()
        pair.count.increment()
        pair.duration.record(elapsed)
    }

    static func outcome(of error: (any Error)?) -> String {
        switch error {
        case nil: "ok"
        case is MessagingTimeout: "timeout"
        case is RemoteError, is NoSuchMethod, is UnsupportedVersion: "remote_error"
        default: "error"
        }
    }
}
