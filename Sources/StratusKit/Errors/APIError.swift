import HTTPTypes

/// An error that reaches the client. Each service renders it in its own API's error body
/// (see `APIErrorRendering`); the status and message are what every OpenStack API shares.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String
    /// Extra response headers (for example `WWW-Authenticate` on a 401).
    public var headers: HTTPFields
    /// The error's name where the API's body carries one (Neutron's `type`, e.g.
    /// `NetworkNotFound`); nil elsewhere.
    public var type: String?

    public init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:], type: String? = nil) {
        self.type = type
        self.status = status
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status.code) \(message)" }

    /// The reason phrase OpenStack APIs use as the error title ("Bad Request", "Not Found" ...).
    public var title: String {
        switch status.code {
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 409: "Conflict"
        case 413: "Request Entity Too Large"
        case 415: "Unsupported Media Type"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        default: status.reasonPhrase
        }
    }

    public static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }
    public static func notFound(_ message: String) -> APIError { APIError(.notFound, message) }
    public static func conflict(_ message: String) -> APIError { APIError(.conflict, message) }
    public static func forbidden(
        _ message: String = "You are not authorized to perform the requested action."
    ) -> APIError { APIError(.forbidden, message) }
}
