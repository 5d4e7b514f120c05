import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

/// Cinder's error body, named by status as its WSGI faults are: `{"itemNotFound": {"code":
/// 404, "message": "…"}}` (`badRequest`, `forbidden`, `itemNotFound`, `badMethod`,
/// `conflictingRequest`, `overLimit`, `computeFault` for anything else). A 401 comes from the
/// token middleware in its own form, with `WWW-Authenticate`.
struct BlockStorageErrorRenderer: APIErrorRendering {
    let authURL: String

    func render(_ error: APIError, request: Request) -> Response {
        var headers = error.headers
        if error.status == .unauthorized {
            headers[.wwwAuthenticate] = "Keystone uri=\"\(authURL)\""
            let body: JSONValue = ["error": ["code": 401, "title": "Unauthorized", "message": .string(error.message)]]
            return JSONResponse.make(error.status, body, headers: headers)
        }
        if request.method == .head { return Response(status: error.status, headers: headers) }
        var fault: [String: JSONValue] = ["code": .int(Int64(error.status.code)), "message": .string(error.message)]
        if let retryAfter = headers[.retryAfter] { fault["retryAfter"] = .string(retryAfter) }
        return JSONResponse.make(error.status, [Self.faultName(error.status.code): .object(fault)], headers: headers)
    }

    static func faultName(_ code: Int) -> String {
        switch code {
        case 400: "badRequest"
        case 403: "forbidden"
        case 404: "itemNotFound"
        case 405: "badMethod"
        case 409: "conflictingRequest"
        case 413: "overLimit"
        case 415: "badMediaType"
        case 501: "notImplemented"
        case 503: "serviceUnavailable"
        default: "computeFault"
        }
    }
}

/// The Block Storage API's errors, in Cinder's wording.
enum BlockStorageErrors {
    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, message) }
    static func conflict(_ message: String) -> APIError { APIError(.conflict, message) }

    static func policy(_ rule: String) -> APIError {
        APIError(.forbidden, "Policy doesn't allow \(rule) to be performed.")
    }

    static func volumeNotFound(_ id: String) -> APIError { notFound("Volume \(id) could not be found.") }
    static func snapshotNotFound(_ id: String) -> APIError { notFound("Snapshot \(id) could not be found.") }
    static func backupNotFound(_ id: String) -> APIError { notFound("Backup \(id) could not be found.") }
    static func volumeTypeNotFound(_ id: String) -> APIError { notFound("Volume type \(id) could not be found.") }
    static func attachmentNotFound(_ id: String) -> APIError {
        notFound("VolumeAttachment \(id) could not be found.")
    }

    /// Cinder's `InvalidVolume`: an action the volume's state does not allow (400).
    static func invalidVolume(_ reason: String) -> APIError { badRequest("Invalid volume: \(reason)") }
    static func invalidSnapshot(_ reason: String) -> APIError { badRequest("Invalid snapshot: \(reason)") }
    static func invalidBackup(_ reason: String) -> APIError { badRequest("Invalid backup: \(reason)") }
    static func invalidInput(_ reason: String) -> APIError { badRequest("Invalid input received: \(reason)") }

    /// A body or query the schema of the microversion refuses.
    static func invalidField(_ field: String, _ value: JSONValue, _ reason: String) -> APIError {
        badRequest("Invalid input for field/attribute \(field). Value: \(value.jsonText()). \(reason)")
    }

    static func microversion(_ error: MicroversionError) -> APIError {
        switch error {
        case .malformed(let text):
            badRequest("API Version String \(text) is of invalid format. Must be of format MajorNum.MinorNum.")
        case .unsupported(let version):
            APIError(
                .notAcceptable,
                "Version \(version) is not supported by the API. Minimum is \(BlockStorageService.microversions.minimum) and maximum is \(BlockStorageService.microversions.maximum).")
        }
    }

    /// A route absent at the request's microversion answers 404, as Cinder does.
    static let versionNotFound = notFound("The resource could not be found.")
}
