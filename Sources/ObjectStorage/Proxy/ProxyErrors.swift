import Hummingbird
import HTTPTypes
import StratusKit

/// Swift's error answers: a short HTML body (`<html><h1>Not Found</h1><p>…</p></html>`)
/// with the status, as the proxy's swob responses have them.
struct ProxyErrorRenderer: APIErrorRendering {
    func render(_ error: APIError, request: Request) -> Response {
        ProxyErrors.response(error.status, detail: error.message)
    }
}

enum ProxyErrors {
    static func response(_ status: HTTPResponse.Status, detail: String? = nil, headers extra: HTTPFields = [:]) -> Response {
        let explanation = detail ?? defaultExplanation(status.code)
        let title = status.reasonPhrase.isEmpty ? (reasons[status.code] ?? "Error") : status.reasonPhrase
        let body = "<html><h1>\(title)</h1><p>\(explanation)</p></html>"
        var headers = extra
        headers[.contentType] = "text/html; charset=UTF-8"
        headers[.contentLength] = String(body.utf8.count)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Reason phrases of the statuses relayed from storage servers by code.
    static let reasons: [Int: String] = [
        400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
        408: "Request Timeout", 409: "Conflict", 411: "Length Required", 412: "Precondition Failed",
        413: "Request Entity Too Large", 416: "Requested Range Not Satisfiable", 422: "Unprocessable Entity",
        499: "Client Disconnect", 503: "Service Unavailable", 507: "Insufficient Storage",
    ]

    static func defaultExplanation(_ code: Int) -> String {
        switch code {
        case 401: "This server could not verify that you are authorized to access the document you requested."
        case 403: "Access was denied to this resource."
        case 404: "The resource could not be found."
        case 409: "There was a conflict when trying to complete your request."
        case 411: "A length is required for this request."
        case 412: "A precondition for this request was not met."
        case 413: "The body of your request was too large for this server."
        case 422: "The entity could not be processed."
        case 400: "The request could not be understood."
        case 500: "The server has either erred or is incapable of performing the requested operation."
        default: "The server is currently unavailable. Please try again at a later time."
        }
    }
}
