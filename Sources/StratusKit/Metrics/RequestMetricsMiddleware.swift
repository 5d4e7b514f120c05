import Hummingbird
import Prometheus
import Synchronization

/// Counts requests and records their durations in Prometheus, labelled by service,
/// method, route template and status. The collectors of each label set are made once and
/// kept, so a request costs a dictionary lookup and two atomic updates.
public struct RequestMetricsMiddleware: RouterMiddleware {
    public typealias Context = StratusRequestContext
    let service: String

    public init(service: String) {
        self.service = service
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let key = RequestMetricKey(
            service: service, method: request.method.rawValue, route: context.endpointPath ?? "unmatched",
            status: response.status.code)
        RequestCollectors.shared.collectors(for: key).record(ContinuousClock.now - start)
        return response
    }
}

struct RequestMetricKey: Hashable, Sendable {
    var service: String
    var method: String
    var route: String
    var status: Int
}

/// The request counters and duration histograms, one pair per label set.
final class RequestCollectors: Sendable {
    static let shared = RequestCollectors(registry: MetricsRegistry.shared)

    struct Pair: Sendable {
        let count: Counter
        let duration: DurationHistogram

        func record(_ elapsed: Duration) {
            count.increment()
            duration.record(elapsed)
        }
    }

    private let registry: PrometheusCollectorRegistry
    private let pairs = Mutex<[RequestMetricKey: Pair]>([:])
    private static let buckets: [Duration] = [
        .microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(10),
        .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    func collectors(for key: RequestMetricKey) -> Pair {
        if let pair = pairs.withLock({ $0[key] }) { return pair }
        let labels = [
            ("service", key.service), ("method", key.method), ("route", key.route), ("status", String(key.status)),
        ]
        let pair = Pair(
            count: registry.makeCounter(name: "stratus_http_requests_total", labels: labels),
            duration: registry.makeDurationHistogram(
                name: "stratus_http_request_duration_seconds", labels: labels, buckets: Self.buckets))
        pairs.withLock { $0[key] = pair }
        return pair
    }
}
