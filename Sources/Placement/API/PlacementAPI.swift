import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

/// The Placement 1.x routes. Each file of this folder registers one resource's routes.
struct PlacementAPI: Sendable {
    let manager: PlacementManager

    func register(on router: Router<StratusRequestContext>) {
        let routes = PlacementRouteTable(router: router)
        register(on: routes)
        routes.addMethodNotAllowed()
    }

    private func register(on router: PlacementRouteTable) {
        registerRoot(on: router)
        registerResourceProviders(on: router)
        registerInventories(on: router)
        registerResourceClasses(on: router)
        registerTraits(on: router)
        registerAggregates(on: router)
        registerAllocations(on: router)
        registerUsages(on: router)
        registerAllocationCandidates(on: router)
        registerReshaper(on: router)
    }

    /// The request's negotiated microversion.
    static func version(_ context: StratusRequestContext) -> Microversion {
        context.microversion ?? PlacementService.microversions.minimum
    }

    /// A route that exists only from a microversion on answers 404 below it, as Placement does.
    static func require(_ context: StratusRequestContext, _ major: Int, _ minor: Int) throws {
        guard version(context).isAtLeast(major, minor) else {
            throw PlacementErrors.notFound("The resource could not be found.")
        }
    }

    /// A JSON response; from 1.15 with `Cache-Control: no-cache`.
    static func respond(
        _ body: JSONValue, _ context: StratusRequestContext, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]
    ) -> Response {
        var headers = headers
        if version(context).isAtLeast(1, 15) { headers[.cacheControl] = "no-cache" }
        return JSONResponse.make(status, body, headers: headers)
    }

    /// The `{uuid}` path parameter of a provider route; a malformed one finds no provider.
    static func providerUUID(_ context: StratusRequestContext) throws -> String {
        let text = try context.parameters.require("uuid")
        guard let uuid = PlacementNames.uuid(text) else { throw PlacementErrors.providerNotFound(text) }
        return uuid
    }

    static func location(_ path: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.location] = path
        return headers
    }
}

extension Request {
    /// The body as a JSON object with Placement's validation wording.
    mutating func placementBody(context: StratusRequestContext) async throws -> PlacementBody {
        let value = try await jsonValue(context: context)
        guard let object = value.objectValue else {
            throw PlacementErrors.invalidBody("\(value.jsonText()) is not of type 'object'")
        }
        return PlacementBody(object)
    }
}
