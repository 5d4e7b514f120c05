import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

/// The Cinder v3 routes. Each file of this folder registers one resource's routes; every
/// resource is served both under `/v3/{project_id}/…` and under `/v3/…` (3.67 documents
/// the second form; Cinder routes both at every microversion).
struct BlockStorageAPI: Sendable {
    let manager: BlockStorageManager
    /// The API's root URL (`http://127.0.0.1:8776`), the base of links in bodies.
    let publicURL: String

    var policy: BlockStoragePolicy { manager.policy }

    func register(on router: Router<StratusRequestContext>) {
        registerVersions(on: router)
        registerVolumes(on: router)
        registerVolumeActions(on: router)
        registerVolumeMetadata(on: router)
        registerVolumeTypes(on: router)
        registerQuotas(on: router)
        registerQoSSpecs(on: router)
        registerAttachments(on: router)
        registerOperatorViews(on: router)
        registerSnapshots(on: router)
        registerSnapshotMetadata(on: router)
        registerBackups(on: router)
    }

    /// The two paths of a resource route: with and without the project id segment.
    static func paths(_ suffix: String) -> [RouterPath] {
        [RouterPath("/v3/{project_id}" + suffix), RouterPath("/v3" + suffix)]
    }

    /// The caller, after Cinder's check that a project id in the URL is the token's own.
    static func auth(_ context: StratusRequestContext) throws -> AuthContext {
        let auth = try context.requireAuth()
        if let urlProject = context.parameters.get("project_id"), urlProject != auth.projectID {
            throw BlockStorageErrors.badRequest("Malformed request url")
        }
        return auth
    }

    /// The request's negotiated microversion (3.0 when the client names none, as Cinder does).
    static func version(_ context: StratusRequestContext) -> Microversion {
        context.microversion ?? BlockStorageService.microversions.minimum
    }

    /// A route that exists only from a microversion on answers 404 below it.
    static func require(_ context: StratusRequestContext, _ major: Int, _ minor: Int) throws {
        guard version(context).isAtLeast(major, minor) else { throw BlockStorageErrors.versionNotFound }
    }

    static func respond(_ body: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        JSONResponse.make(status, body)
    }

    static func accepted() -> Response { Response(status: .accepted) }

    /// The body as a JSON object, or Cinder's 400.
    static func body(_ request: Request, _ context: StratusRequestContext) async throws -> [String: JSONValue] {
        var request = request
        let value: JSONValue
        do {
            value = try await request.jsonValue(context: context)
        } catch let error as APIError where error.status == .badRequest {
            throw BlockStorageErrors.badRequest("Malformed request body")
        }
        guard let object = value.objectValue else {
            throw BlockStorageErrors.badRequest("Malformed request body")
        }
        return object
    }

    /// The body of a `POST …/action`: its single key names the action, that key's value is the action's argument.
    static func singleAction(_ body: [String: JSONValue]) throws -> (name: String, value: JSONValue) {
        guard body.count == 1, let (name, value) = body.first else {
            throw BlockStorageErrors.badRequest("Malformed request body")
        }
        return (name, value)
    }

    /// Cinder's 400 for an action the resource does not have.
    static func unknownAction(_ name: String) -> APIError {
        BlockStorageErrors.badRequest("There is no such action: \(name)")
    }

    /// The `status` a status-setting action carries, else a 400 with `missingMessage` (the wording differs by action).
    static func actionStatus(_ value: JSONValue, missingMessage: String) throws -> String {
        guard let status = value["status"]?.stringValue else { throw BlockStorageErrors.badRequest(missingMessage) }
        return status
    }

    /// `body[key]` as an object, else Cinder's schema message.
    static func member(_ body: [String: JSONValue], _ key: String) throws -> JSONFields {
        guard let value = body[key] else { throw BlockStorageErrors.badRequest("'\(key)' is a required property") }
        guard let object = value.objectValue else {
            throw BlockStorageErrors.invalidField(key, value, "\(value.jsonText()) is not of type 'object'")
        }
        return JSONFields(object, name: key)
    }

    /// An integer given as a number or a numeric string (Cinder accepts both for sizes).
    static func integer(_ fields: JSONFields, _ key: String) throws -> Int64? {
        guard let value = fields.object[key], !value.isNull else { return nil }
        if let number = value.intValue { return number }
        if let text = value.stringValue, let number = Int64(text.trimmingCharacters(in: .whitespaces)) { return number }
        throw BlockStorageErrors.invalidField(key, value, "\(value.jsonText()) is not of type 'integer', 'string'")
    }

    /// A string→string object (metadata), with Cinder's key and value limits.
    static func stringMap(_ fields: JSONFields, _ key: String) throws -> [String: String]? {
        guard let value = fields.object[key], !value.isNull else { return nil }
        guard let object = value.objectValue else {
            throw BlockStorageErrors.invalidField(key, value, "\(value.jsonText()) is not of type 'object'")
        }
        var result: [String: String] = [:]
        for (name, item) in object {
            guard let text = item.stringValue else {
                throw BlockStorageErrors.invalidField(key, value, "\(item.jsonText()) is not of type 'string'")
            }
            guard !name.isEmpty, name.count <= 255, text.count <= 255 else {
                throw BlockStorageErrors.invalidField(key, value, "Metadata keys and values must be 1 to 255 characters.")
            }
            result[name] = text
        }
        return result
    }

    /// A boolean given as JSON or as Cinder's accepted strings.
    static func flag(_ value: JSONValue?, _ key: String) throws -> Bool? {
        guard let value, !value.isNull else { return nil }
        if let flag = value.boolValue { return flag }
        if let text = value.stringValue?.lowercased() {
            if ["true", "t", "yes", "y", "1", "on"].contains(text) { return true }
            if ["false", "f", "no", "n", "0", "off"].contains(text) { return false }
        }
        throw BlockStorageErrors.invalidInput("\(value.jsonText()) is not a valid boolean for \(key).")
    }
}
