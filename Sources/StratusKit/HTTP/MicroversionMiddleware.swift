import HTTPTypes
import Hummingbird

/// Negotiates the microversion of every request before the route runs (stored in
/// `StratusRequestContext.microversion`), refuses malformed (400) and out-of-range (406)
/// versions in the API's own error body, and stamps `OpenStack-API-Version` and `Vary` on
/// every response, error responses included. Sits outside the `ErrorMiddleware`, so the
/// error renderer sees the negotiated version.
public struct MicroversionMiddleware: RouterMiddleware {
    public typealias Context = StratusRequestContext
    let range: MicroversionRange
    let renderer: any APIErrorRendering
    let describe: @Sendable (MicroversionError) -> APIError

    /// - Parameter describe: the API's wording of a refused version; by default
    ///   `invalid version string: X` (400) and `Unacceptable version header: X` (406).
    public init(
        range: MicroversionRange, renderer: any APIErrorRendering,
        describe: @escaping @Sendable (MicroversionError) -> APIError = MicroversionMiddleware.defaultError
    ) {
        self.range = range
        self.renderer = renderer
        self.describe = describe
    }

    public static func defaultError(_ error: MicroversionError) -> APIError {
        switch error {
        case .malformed(let text): APIError(.badRequest, "invalid version string: \(text)")
        case .unsupported(let version): APIError(.notAcceptable, "Unacceptable version header: \(version)")
        }
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        let version: Microversion
        do {
            version = try range.negotiate(request.headers)
        } catch {
            var response = renderer.render(describe(error), request: request, context: context)
            response.headers[.vary] = range.responseHeaders(range.minimum)[.vary]
            return response
        }
        context.microversion = version
        var response = try await next(request, context)
        for field in range.responseHeaders(version) { response.headers[field.name] = field.value }
        return response
    }
}
