import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

extension HTTPField.Name {
    static let xTimestamp = HTTPField.Name("X-Timestamp")!
    static let xBackendTimestamp = HTTPField.Name("X-Backend-Timestamp")!
    static let xBackendDataTimestamp = HTTPField.Name("X-Backend-Data-Timestamp")!
    static let xBackendDurableTimestamp = HTTPField.Name("X-Backend-Durable-Timestamp")!
    static let xBackendContentType = HTTPField.Name("X-Backend-Content-Type")!
    static let xDeleteAt = HTTPField.Name("X-Delete-At")!
    static let xDeleteAfter = HTTPField.Name("X-Delete-After")!
    static let xIfDeleteAt = HTTPField.Name("X-If-Delete-At")!
    static let xContainerHost = HTTPField.Name("X-Container-Host")!
    static let xContainerDevice = HTTPField.Name("X-Container-Device")!
    static let xContainerPartition = HTTPField.Name("X-Container-Partition")!
    static let xTransID = HTTPField.Name("X-Trans-Id")!
    static let contentTypeTimestamp = HTTPField.Name("Content-Type-Timestamp")!
    static let xBackendReplication = HTTPField.Name("X-Backend-Replication")!
}

/// Responses shaped as Swift's `swob` shapes them: an error or status without its own text gets
/// the reason page `<html><h1>Not Found</h1><p>The resource could not be found.</p></html>`
/// (text/html); one with a message gets the message as text/plain; HEAD answers carry no body.
enum ObjectServerResponse {
    static let explanations: [Int: (String, String)] = [
        202: ("Accepted", "The request is accepted for processing."),
        400: ("Bad Request", "The server could not comply with the request since it is either malformed or otherwise incorrect."),
        403: ("Forbidden", "Access was denied to this resource."),
        404: ("Not Found", "The resource could not be found."),
        405: ("Method Not Allowed", "The method is not allowed for this resource."),
        409: ("Conflict", "There was a conflict when trying to complete your request."),
        411: ("Length Required", "Content-Length header required."),
        412: ("Precondition Failed", "A precondition for this request was not met."),
        413: ("Request Entity Too Large", "The body of your request was too large for this server."),
        416: ("Requested Range Not Satisfiable", "The Range requested is not available."),
        422: ("Unprocessable Entity", "Unable to process the contained instructions"),
        499: ("Client Disconnect", "The client was disconnected during request."),
        500: ("Internal Error", "The server has either erred or is incapable of performing the requested operation."),
        503: ("Service Unavailable", "The server is currently unavailable. Please try again at a later time."),
        507: ("Insufficient Storage", "There was not enough space to save the resource. Drive: %(drive)s"),
    ]

    static let clientDisconnect = HTTPResponse.Status(code: 499, reasonPhrase: "Client Disconnect")
    static let insufficientStorage = HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")

    /// A response with the default body of its status (none for 2xx/3xx without one, or for HEAD).
    static func make(
        _ status: HTTPResponse.Status, headers: HTTPFields = [:], method: HTTPRequest.Method, drive: String? = nil
    ) -> Response {
        var headers = headers
        guard case let (title, explanation)? = explanations[status.code] else {
            if headers[.contentLength] == nil, status != .noContent, status != .notModified {
                headers[.contentLength] = "0"
            }
            return Response(status: status, headers: headers)
        }
        let text = explanation.replacingOccurrences(of: "%(drive)s", with: drive ?? "unknown")
        let body = "<html><h1>\(title)</h1><p>\(text)</p></html>"
        headers[.contentType] = headers[.contentType] ?? "text/html; charset=UTF-8"
        headers[.contentLength] = String(body.utf8.count)
        if method == .head { return Response(status: status, headers: headers) }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// A response whose body is `message`, as text/plain.
    static func text(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:], method: HTTPRequest.Method)
        -> Response
    {
        var headers = headers
        headers[.contentType] = "text/plain"
        headers[.contentLength] = String(message.utf8.count)
        if method == .head { return Response(status: status, headers: headers) }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: message)))
    }

    static func insufficientStorage(_ device: String, method: HTTPRequest.Method) -> Response {
        make(insufficientStorage, method: method, drive: device)
    }
}

/// Renders errors that escape a route (unexpected failures, unknown paths) the same way.
struct ObjectServerErrorRenderer: APIErrorRendering {
    func render(_ error: APIError, request: Request) -> Response {
        if ObjectServerResponse.explanations[error.status.code] != nil, error.message.isEmpty {
            return ObjectServerResponse.make(error.status, headers: error.headers, method: request.method)
        }
        return ObjectServerResponse.text(error.status, error.message, headers: error.headers, method: request.method)
    }
}
