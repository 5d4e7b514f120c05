import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

/// Keystone's error body: `{"error": {"code": 404, "message": "...", "title": "Not Found"}}`,
/// and `WWW-Authenticate: Keystone uri="..."` on every 401.
struct IdentityErrorRenderer: APIErrorRendering {
    let publicURL: String

    func render(_ error: APIError, request: Request) -> Response {
        var headers = error.headers
        if error.status == .unauthorized {
            headers[.wwwAuthenticate] = "Keystone uri=\"\(publicURL)\""
        }
        let body: JSONValue = [
            "error": [
                "code": .int(Int64(error.status.code)), "message": .string(error.message), "title": .string(error.title),
            ]
        ]
        if request.method == .head {
            return Response(status: error.status, headers: headers)
        }
        return JSONResponse.make(error.status, body, headers: headers)
    }
}

/// The Identity API's errors, with Keystone's wording.
enum IdentityErrors {
    static func unauthorized(_ message: String = "The request you have made requires authentication.") -> APIError {
        APIError(.unauthorized, message)
    }

    static func notFound(_ kind: String, _ id: String) -> APIError {
        APIError.notFound("Could not find \(kind): \(id).")
    }

    static func duplicate(_ kind: String, _ detail: String) -> APIError {
        APIError.conflict("Conflict occurred attempting to store \(kind) - \(detail).")
    }
}
