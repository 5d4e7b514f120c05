import HTTPTypes
import Hummingbird
import Logging

/// Gives every request an `x-openstack-request-id` (`req-<uuid>`), puts it in the
/// request's log metadata and on the response.
public struct RequestIDMiddleware: RouterMiddleware {
    public typealias Context = StratusRequestContext
    public static let headerName = HTTPField.Name("x-openstack-request-id")!

    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        let requestID = RequestIDGenerator.next()
        context.requestID = requestID
        context.logger[metadataKey: "request_id"] = .string(requestID)
        var response = try await next(request, context)
        response.headers[Self.headerName] = requestID
        return response
    }
}
