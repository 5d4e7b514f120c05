import HTTPTypes
import Hummingbird
import NIOCore
import StratusKit

/// Error responses as Swift's storage servers send them: a message given by the server as a
/// plain-text body, otherwise swob's default page (`<html><h1>Not Found</h1><p>The resource could
/// not be found.</p></html>`); no body for HEAD.
struct StorageErrorRenderer: APIErrorRendering {
    func render(_ error: APIError, request: Request) -> Response {
        var headers = error.headers
        let body: String
        if error.message.isEmpty {
            guard let page = Self.defaultPage(error.status) else {
                return Response(status: error.status, headers: headers)
            }
            headers[.contentType] = "text/html; charset=UTF-8"
            body = page
        } else if error.message.hasPrefix("<html>") {
            headers[.contentType] = "text/html; charset=UTF-8"
            body = error.message
        } else {
            headers[.contentType] = "text/plain; charset=UTF-8"
            body = error.message
        }
        if request.method == .head {
            headers[.contentLength] = String(body.utf8.count)
            return Response(status: error.status, headers: headers)
        }
        return Response(status: error.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// swob's title and explanation for a status, as its default page.
    static func defaultPage(_ status: HTTPResponse.Status, drive: String = "unknown") -> String? {
        let explanations: [Int: (String, String)] = [
            202: ("Accepted", "The request is accepted for processing."),
            400: ("Bad Request", "The server could not comply with the request since it is either malformed or otherwise incorrect."),
            403: ("Forbidden", "Access was denied to this resource."),
            404: ("Not Found", "The resource could not be found."),
            405: ("Method Not Allowed", "The method is not allowed for this resource."),
            406: ("Not Acceptable", "The resource is not available in a format acceptable to your browser."),
            409: ("Conflict", "There was a conflict when trying to complete your request."),
            412: ("Precondition Failed", "A precondition for this request was not met."),
            413: ("Request Entity Too Large", "The body of your request was too large for this server."),
            500: ("Internal Error", "The server has either erred or is incapable of performing the requested operation."),
            507: ("Insufficient Storage", "There was not enough space to save the resource. Drive: \(drive)"),
        ]
        guard let (title, explanation) = explanations[status.code] else { return nil }
        return "<html><h1>\(title)</h1><p>\(explanation)</p></html>"
    }

    /// 507 naming the drive, as Swift answers a request for a missing or unmounted device.
    static func insufficientStorage(drive: String) -> APIError {
        let status = HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
        return APIError(status, defaultPage(status, drive: drive)!)
    }
}

/// Swift's storage servers answer 405 to methods they do not serve (before routing, so that the
/// answer does not depend on the path).
struct StorageMethodMiddleware: RouterMiddleware {
    typealias Context = StratusRequestContext
    static let methods: Set<HTTPRequest.Method> = [.get, .head, .put, .post, .delete]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard Self.methods.contains(request.method) else { throw APIError(.methodNotAllowed, "") }
        return try await next(request, context)
    }
}

enum StorageServerRouting {
    /// A router for an account or container server: request ids, access log, Swift's error
    /// bodies, 405 for other methods, and every path of the five methods to `handler` (the server
    /// splits the path itself, as Swift does: object names may hold any character, slashes and
    /// empty segments included). No token check: these are internal APIs, reached only by the
    /// proxy, the object servers and each other on the storage network.
    static func makeRouter(
        handler: @escaping @Sendable (Request, StratusRequestContext) async throws -> Response
    ) -> Router<StratusRequestContext> {
        let router = Router(context: StratusRequestContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: AccessLogMiddleware())
        router.add(middleware: ErrorMiddleware(renderer: StorageErrorRenderer()))
        router.add(middleware: StorageMethodMiddleware())
        for method in StorageMethodMiddleware.methods {
            router.on("**", method: method) { request, context in try await handler(request, context) }
        }
        return router
    }
}

extension HTTPFields {
    /// Sets a header by name (for names that are not known constants).
    mutating func set(_ name: String, _ value: String) {
        if let field = HTTPField.Name(name) { self[field] = value }
    }
}
