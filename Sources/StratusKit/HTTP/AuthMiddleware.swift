import HTTPTypes
import Hummingbird

/// Validates `X-Auth-Token` when present and records the caller on the context. A request
/// without a token passes through: routes that need one call `context.requireAuth()`.
public struct AuthMiddleware: RouterMiddleware {
    public typealias Context = StratusRequestContext
    public static let tokenHeader = HTTPField.Name("X-Auth-Token")!
    let validator: any TokenValidating

    public init(validator: any TokenValidating) {
        self.validator = validator
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let token = request.headers[Self.tokenHeader], !token.isEmpty else {
            return try await next(request, context)
        }
        var context = context
        context.auth = try await validator.validate(token: token)
        context.authToken = token
        if let auth = context.auth {
            context.logger[metadataKey: "user_id"] = .string(auth.userID)
        }
        return try await next(request, context)
    }
}
