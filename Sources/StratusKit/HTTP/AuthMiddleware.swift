import HTTPTypes
import Hummingbird

/// Validates `X-Auth-Token` when present and records the caller on the context. A request
/// without a valid token passes through: routes that need one call `context.requireAuth()`,
/// which answers 401 (with the validation failure); public routes such as version
/// discovery and token issue work whatever token came along.
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
        do {
            context.auth = try await validator.validate(token: token)
        } catch let failure as APIError {
            context.authFailure = failure
        }
        if let auth = context.auth {
            context.logger[metadataKey: "user_id"] = .string(auth.userID)
        }
        return try await next(request, context)
    }
}
