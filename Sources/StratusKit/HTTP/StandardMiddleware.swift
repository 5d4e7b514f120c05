import HTTPTypes
import Hummingbird

extension Router where Context == StratusRequestContext {
    /// The middleware every Stratus API runs, in order: request id, metrics, access log,
    /// the API's own error bodies, token validation; and `GET /metrics`.
    public static func stratus(
        service: String, errorRenderer: any APIErrorRendering, tokenValidator: any TokenValidating
    ) -> Router<StratusRequestContext> {
        _ = MetricsRegistry.shared
        let router = Router(context: StratusRequestContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: RequestMetricsMiddleware(service: service))
        router.add(middleware: AccessLogMiddleware())
        router.add(middleware: ErrorMiddleware(renderer: errorRenderer))
        router.get("/metrics") { _, _ in MetricsRegistry.exposition() }
        router.add(middleware: AuthMiddleware(validator: tokenValidator))
        return router
    }
}
