import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

/// Placement's error body: `{"errors": [{"status": 409, "title": "Conflict", "detail": "…",
/// "code": "placement.concurrent_update", "request_id": "req-…"}]}`. `code` is sent from
/// microversion 1.23 (`placement.undefined_code` when the error has none); a 406 from
/// version negotiation also names the supported `min_version` and `max_version`.
struct PlacementErrorRenderer: APIErrorRendering {
    let authURL: String

    func render(_ error: APIError, request: Request) -> Response {
        render(error, request: request, requestID: nil, microversion: nil)
    }

    func render(_ error: APIError, request: Request, context: StratusRequestContext) -> Response {
        render(error, request: request, requestID: context.requestID, microversion: context.microversion)
    }

    private func render(_ error: APIError, request: Request, requestID: String?, microversion: Microversion?) -> Response {
        var headers = error.headers
        if error.status == .unauthorized { headers[.wwwAuthenticate] = "Keystone uri=\"\(authURL)\"" }
        var entry: [String: JSONValue] = [
            "status": .int(Int64(error.status.code)), "title": .string(error.title),
            "detail": .string(Self.detail(error)),
        ]
        if let microversion, microversion.isAtLeast(1, 23) {
            entry["code"] = .string(error.type ?? PlacementErrors.defaultCode)
        }
        if let requestID, !requestID.isEmpty { entry["request_id"] = .string(requestID) }
        if error.status == .notAcceptable, microversion == nil {
            entry["min_version"] = .string(PlacementService.microversions.minimum.description)
            entry["max_version"] = .string(PlacementService.microversions.maximum.description)
        }
        return JSONResponse.make(error.status, ["errors": [.object(entry)]], headers: headers)
    }

    /// The status's standard explanation, then the specific message, as Placement's web
    /// framework lays them out.
    static func detail(_ error: APIError) -> String {
        let explanation: String
        switch error.status.code {
        case 400: explanation = "The server could not comply with the request since it is either malformed or otherwise incorrect."
        case 401: explanation = "This server could not verify that you are authorized to access the document you requested."
        case 403: explanation = "Access was denied to this resource."
        case 404: explanation = "The resource could not be found."
        case 405: explanation = "The method is not allowed for this resource."
        case 406: explanation = "The resource could not be generated that was acceptable to your browser."
        case 409: explanation = "There was a conflict when trying to complete your request."
        default: explanation = "The server has either erred or is incapable of performing the requested operation."
        }
        return "\(explanation)\n\n \(error.message)  "
    }
}

/// The Placement API's errors, with Placement's wording and error codes.
enum PlacementErrors {
    static let defaultCode = "placement.undefined_code"
    static let concurrentUpdate = "placement.concurrent_update"
    static let duplicateName = "placement.duplicate_name"
    static let inventoryInUse = "placement.inventory.inuse"
    static let providerInUse = "placement.resource_provider.inuse"
    static let cannotDeleteParent = "placement.resource_provider.cannot_delete_parent"
    static let providerNotFound = "placement.resource_provider.not_found"
    static let duplicateQueryKey = "placement.query.duplicate_key"
    static let badQueryValue = "placement.query.bad_value"
    static let missingQueryValue = "placement.query.missing_value"

    static func badRequest(_ message: String, code: String? = nil) -> APIError {
        APIError(.badRequest, message, type: code)
    }

    static func notFound(_ message: String, code: String? = nil) -> APIError {
        APIError(.notFound, message, type: code)
    }

    static func conflict(_ message: String, code: String? = nil) -> APIError {
        APIError(.conflict, message, type: code)
    }

    static func providerNotFound(_ uuid: String) -> APIError {
        notFound("No resource provider with uuid \(uuid) found")
    }

    static func generationConflict() -> APIError {
        conflict("resource provider generation conflict", code: concurrentUpdate)
    }

    static func invalidBody(_ detail: String) -> APIError {
        badRequest("JSON does not validate: \(detail)")
    }

    static func policy(_ rule: String) -> APIError {
        APIError(.forbidden, "Policy does not allow \(rule) to be performed.")
    }
}
