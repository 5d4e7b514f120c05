import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

/// The Compute v2.1 routes. Each file of this folder registers one resource's routes.
struct ComputeAPI: Sendable {
    let manager: ComputeManager
    /// The API's root URL (`http://127.0.0.1:8774`), the base of the links in bodies.
    let publicURL: String

    /// Where versioned links point: `<root>/v2.1`.
    var versionedURL: String { publicURL + "/v2.1" }

    func register(on router: Router<StratusRequestContext>) {
        registerVersions(on: router)
        registerFlavors(on: router)
        registerFlavorExtraSpecs(on: router)
        registerFlavorAccess(on: router)
        registerKeypairs(on: router)
        registerServers(on: router)
        registerServerActions(on: router)
        registerServerMetadata(on: router)
        registerServerInterfaces(on: router)
        registerVolumeAttachments(on: router)
        registerServerDiagnostics(on: router)
        registerServerConsoles(on: router)
        registerServices(on: router)
        registerHypervisors(on: router)
        registerAvailabilityZones(on: router)
        registerAggregates(on: router)
        registerServerGroups(on: router)
        registerQuotas(on: router)
        registerLimits(on: router)
        registerUsage(on: router)
        registerMigrations(on: router)
        registerServerExternalEvents(on: router)
        registerServerMigrations(on: router)
    }

    /// The request's negotiated microversion.
    static func version(_ context: StratusRequestContext) -> Microversion {
        context.microversion ?? ComputeService.microversions.minimum
    }

    /// A route that exists only from a microversion on answers 404 below it, as Nova does.
    static func require(_ context: StratusRequestContext, _ major: Int, _ minor: Int) throws {
        guard version(context).isAtLeast(major, minor) else { throw ComputeErrors.versionNotFound }
    }

    static func respond(_ body: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        JSONResponse.make(status, body)
    }

    /// The body as a JSON object, or Nova's 400.
    static func body(_ request: Request, _ context: StratusRequestContext) async throws -> [String: JSONValue] {
        var request = request
        let value: JSONValue
        do {
            value = try await request.jsonValue(context: context)
        } catch let error as APIError where error.status == .badRequest {
            throw ComputeErrors.badRequest("Malformed request body")
        }
        guard let object = value.objectValue else {
            throw ComputeErrors.badRequest("Invalid input for field/attribute body. Value: \(value.jsonText()). \(value.jsonText()) is not of type 'object'")
        }
        return object
    }
}
