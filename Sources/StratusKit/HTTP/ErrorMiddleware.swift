import Foundation
import HTTPTypes
import Hummingbird

/// How one API shapes its error bodies (Keystone's `{"error": {...}}`, Nova's
/// `{"itemNotFound": {...}}`, ...).
public protocol APIErrorRendering: Sendable {
    func render(_ error: APIError, request: Request) -> Response
    /// The same, for APIs whose error body depends on the request's context (the request
    /// id, the negotiated microversion); by default the context is not used.
    func render(_ error: APIError, request: Request, context: StratusRequestContext) -> Response
}

extension APIErrorRendering {
    public func render(_ error: APIError, request: Request, context: StratusRequestContext) -> Response {
        render(error, request: request)
    }
}

/// Turns every error a route throws into that API's error response; unexpected errors
/// become a 500 whose details go to the log only.
public struct ErrorMiddleware: RouterMiddleware {
    public typealias Context = StratusRequestContext
    let renderer: any APIErrorRendering

    public init(renderer: any APIErrorRendering) {
        self.renderer = renderer
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            if error.status.code >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(error.message)"])
            }
            return renderer.render(error, request: request, context: context)
        } catch let error as any HTTPResponseError {
            let message: String
            switch error.status {
            case .notFound: message = "The resource could not be found."
            case .contentTooLarge: message = "Request Entity Too Large"
            case .methodNotAllowed: message = "The method is not allowed for the requested URL."
            default: message = "\(error)"
            }
            return renderer.render(APIError(error.status, message), request: request, context: context)
        } catch is DecodingError {
            return renderer.render(.badRequest("Malformed request body."), request: request, context: context)
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(String(reflecting: error))"])
            return renderer.render(
                APIError(
                    .internalServerError,
                    "An unexpected error prevented the server from fulfilling your request."),
                request: request, context: context)
        }
    }
}
