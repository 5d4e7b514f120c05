import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

/// Neutron's error body: `{"NeutronError": {"type": "NetworkNotFound", "message": "…",
/// "detail": ""}}`; errors without a Neutron type are named after their status
/// (`HTTPBadRequest`, `HTTPNotFound` …) as Neutron's WSGI layer names them.
struct NetworkErrorRenderer: APIErrorRendering {
    let authURL: String

    func render(_ error: APIError, request: Request) -> Response {
        var headers = error.headers
        if error.status == .unauthorized { headers[.wwwAuthenticate] = "Keystone uri=\"\(authURL)\"" }
        if request.method == .head { return Response(status: error.status, headers: headers) }
        let body: JSONValue = [
            "NeutronError": [
                "type": .string(error.type ?? Self.defaultType(error.status)), "message": .string(error.message),
                "detail": "",
            ]
        ]
        return JSONResponse.make(error.status, body, headers: headers)
    }

    static func defaultType(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "HTTPBadRequest"
        case 401: "HTTPUnauthorized"
        case 403: "HTTPForbidden"
        case 404: "HTTPNotFound"
        case 405: "HTTPMethodNotAllowed"
        case 409: "HTTPConflict"
        case 412: "HTTPPreconditionFailed"
        case 413: "HTTPRequestEntityTooLarge"
        case 503: "HTTPServiceUnavailable"
        default: "HTTPInternalServerError"
        }
    }
}

/// The Network API's errors, with Neutron's types and wording.
enum NetworkErrors {
    static func notFound(_ kind: String, _ id: String) -> APIError {
        APIError(.notFound, "\(kind) \(id) could not be found.", type: "\(kind)NotFound")
    }

    static func invalidInput(_ detail: String) -> APIError {
        APIError(.badRequest, "Invalid input for operation: \(detail)", type: "InvalidInput")
    }

    static func badRequest(_ resource: String, _ detail: String) -> APIError {
        APIError(.badRequest, "Bad \(resource) request: \(detail).", type: "BadRequest")
    }

    static func policy(_ rule: String) -> APIError {
        APIError(.forbidden, "(rule:\(rule)) is disallowed by policy", type: "PolicyNotAuthorized")
    }
}
