import Hummingbird
import Logging

/// One log line per request, written when the response is ready: method, path, status
/// and duration, with the request id from the context's logger. Query strings are left
/// out (they can carry names a log reader should not need) and no header is logged.
public struct AccessLogMiddleware: RouterMiddleware {
    public typealias Context = StratusRequestContext

    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard context.logger.logLevel <= .info else { return try await next(request, context) }
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        context.logger.info(
            "request",
            metadata: [
                "method": .string(request.method.rawValue), "path": .string(request.uri.path),
                "status": .stringConvertible(response.status.code), "duration_us": .stringConvertible(micros),
            ])
        return response
    }
}
