import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

/// Glance's error bodies, as its WSGI framework renders them, chosen by the `Accept`
/// header: JSON `{"message": "…", "code": "404 Not Found", "title": "Not Found"}` when
/// JSON is preferred, an HTML page when HTML is (`*/*` counts as HTML, offered first),
/// plain text `404 Not Found\n\n…` when neither is acceptable or there is no `Accept`.
struct ImageErrorRenderer: APIErrorRendering {
    enum Format: Equatable { case json, html, plain }

    /// The Identity service, named in `WWW-Authenticate` on a 401 as keystonemiddleware does.
    let authURL: String

    func render(_ error: APIError, request: Request) -> Response {
        var headers = error.headers
        if error.status == .unauthorized {
            headers[.wwwAuthenticate] = "Keystone uri=\"\(authURL)\""
        }
        if request.method == .head {
            return Response(status: error.status, headers: headers)
        }
        let statusLine = "\(error.status.code) \(error.title)"
        let message: String
        if error.status == .unsupportedMediaType {
            message = "The request media type \(request.headers[.contentType] ?? "None") is not supported by this server.\n<br /><br />\n\(error.message)"
        } else {
            message = error.message + "<br /><br />\n\n\n"
        }
        let body: String
        switch Self.format(accept: request.headers[.accept]) {
        case .json:
            let json: JSONValue = ["message": .string(message), "code": .string(statusLine), "title": .string(error.title)]
            return JSONResponse.make(error.status, json, headers: headers)
        case .html:
            headers[.contentType] = "text/html; charset=UTF-8"
            body = "<html>\n <head>\n  <title>\(statusLine)</title>\n </head>\n <body>\n  <h1>\(statusLine)</h1>\n  \(Self.escapeHTML(message))\n </body>\n</html>"
        case .plain:
            headers[.contentType] = "text/plain; charset=UTF-8"
            body = statusLine + "\n\n" + message.replacingOccurrences(of: "<br />", with: "")
        }
        return Response(status: error.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// WebOb's choice between its offers text/html and application/json, by quality.
    static func format(accept: String?) -> Format {
        guard let accept, !accept.trimmingCharacters(in: .whitespaces).isEmpty else { return .plain }
        var html = 0.0
        var json = 0.0
        for item in accept.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let type = parts.first else { continue }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if ["text/html", "text/*", "*/*"].contains(type) { html = max(html, quality) }
            if ["application/json", "application/*", "*/*"].contains(type) { json = max(json, quality) }
        }
        if html == 0, json == 0 { return .plain }
        return html >= json ? .html : .json
    }

    static func escapeHTML(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#x27;")
            .replacingOccurrences(of: "&lt;br /&gt;", with: "<br />")
    }
}

/// The Image API's errors, with Glance's wording.
enum ImageErrors {
    static func imageNotFound(_ id: String) -> APIError { APIError.notFound("No image found with ID \(id)") }
}
