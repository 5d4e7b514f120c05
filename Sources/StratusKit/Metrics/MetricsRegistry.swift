import Hummingbird
import Metrics
import Prometheus
import Synchronization

/// The process's Prometheus registry, bootstrapped into swift-metrics once; every service
/// serves it at `GET /metrics`.
public enum MetricsRegistry {
    private static let state = Mutex<PrometheusCollectorRegistry?>(nil)

    /// The registry, bootstrapping the metrics system on first use.
    public static var shared: PrometheusCollectorRegistry {
        state.withLock { registry in
            if let registry { return registry }
            let created = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: created))
            registry = created
            return created
        }
    }

    /// The Prometheus text exposition of every metric recorded so far.
    public static func exposition() -> Response {
        var bytes: [UInt8] = []
        shared.emit(into: &bytes)
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
