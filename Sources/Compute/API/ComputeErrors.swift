import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

/// Nova's error body: `{"itemNotFound": {"code": 404, "message": "…"}}`, the fault named
/// by status (`badRequest`, `forbidden`, `itemNotFound`, `badMethod`,
/// `conflictingRequest`, … and `computeFault` for any other). A 401 comes from the token
/// middleware in front of Nova, in its own form, with `WWW-Authenticate`.
struct ComputeErrorRenderer: APIErrorRendering {
    let authURL: String

    func render(_ error: APIError, request: Request) -> Response {
        var headers = error.headers
        if error.status == .unauthorized {
            headers[.wwwAuthenticate] = "Keystone uri=\"\(authURL)\""
            let body: JSONValue = [
                "error": ["code": 401, "title": "Unauthorized", "message": .string(error.message)]
            ]
            return JSONResponse.make(error.status, body, headers: headers)
        }
        let body: JSONValue = [
            Self.faultName(error.status.code): ["code": .int(Int64(error.status.code)), "message": .string(error.message)]
        ]
        return JSONResponse.make(error.status, body, headers: headers)
    }

    static func faultName(_ code: Int) -> String {
        switch code {
        case 400: "badRequest"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "itemNotFound"
        case 405: "badMethod"
        case 409: "conflictingRequest"
        case 413, 429: "overLimit"
        case 415: "badMediaType"
        case 501: "notImplemented"
        case 503: "serviceUnavailable"
        default: "computeFault"
        }
    }
}

/// The Compute API's errors, in Nova's wording.
enum ComputeErrors {
    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, message) }
    static func conflict(_ message: String) -> APIError { APIError(.conflict, message) }

    static func microversion(_ error: MicroversionError) -> APIError {
        switch error {
        case .malformed(let text):
            badRequest("API Version String \(text) is of invalid format. Must be of format MajorNum.MinorNum.")
        case .unsupported(let version):
            APIError(
                .notAcceptable,
                "Version \(version) is not supported by the API. Minimum is \(ComputeService.microversions.minimum) and maximum is \(ComputeService.microversions.maximum).")
        }
    }

    static func policy(_ rule: String) -> APIError {
        APIError(.forbidden, "Policy doesn't allow \(rule) to be performed.")
    }

    /// A request body or query the schema of the microversion refuses.
    static func invalidInput(_ field: String, _ value: JSONValue, _ reason: String) -> APIError {
        badRequest("Invalid input for field/attribute \(field). Value: \(value.jsonText()). \(reason)")
    }

    static func flavorNotFound(_ id: String) -> APIError { notFound("Flavor \(id) could not be found.") }

    static func keypairNotFound(_ name: String, user: String) -> APIError {
        notFound("Keypair \(name) not found for user \(user)")
    }

    static func invalidKeypair(_ reason: String) -> APIError { badRequest("Keypair data is invalid: \(reason)") }

    /// A route absent at the request's microversion answers 404, as Nova does.
    static let versionNotFound = notFound("The resource could not be found.")
}
