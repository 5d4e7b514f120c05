import HTTPTypes
import Hummingbird

extension Router where Context == StratusRequestContext {
    /// The middleware every Stratus API runs, in order: request id, metrics, access log,
    /// the API's own error bodies, token validation; and `GET /metrics`.
    /// - Parameter microversions: for APIs with microversions, the range to negotiate
    ///   (see `MicroversionMiddleware`), run before errors are rendered.
    /// - Parameter microversionError: the API's wording of a refused microversion.
    public static func stratus(
        service: String, errorRenderer: any APIErrorRendering, tokenValidator: any TokenValidating,
        microversions: MicroversionRange? = nil,
        microversionError: @escaping @Sendable (MicroversionError) -> APIError = MicroversionMiddleware.defaultError
    ) -> Router<StratusRequestContext> {
        _ = MetricsRegistry.shared
        let router = Router(context: StratusRequestContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: RequestMetricsMiddleware(service: service))
        router.add(middleware: AccessLogMiddleware())
        if let microversions {
            router.add(middleware: MicroversionMiddleware(range: microversions, renderer: errorRenderer, describe: microversionError))
        }
        router.add(middleware: ErrorMiddleware(renderer: errorRenderer))
        router.get("/metrics") { _, _ in MetricsRegistry.exposition() }
        router.add(middleware: AuthMiddleware(validator: tokenValidator))
        return router
    }
}
