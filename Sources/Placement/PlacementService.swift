import Foundation
import Hummingbird
import Logging
import StratusKit

/// The Placement service's composition root: opens its database, runs migrations, loads
/// policy and builds the Placement 1.x routes with microversion negotiation.
public final class PlacementService: Sendable {
    public static let defaultPort = 8778
    public static let catalogType = "placement"
    /// The microversions served: 1.0 up to 1.39.
    public static let microversions = MicroversionRange(
        serviceType: catalogType, minimum: Microversion(1, 0), maximum: Microversion(1, 39))

    let manager: PlacementManager
    let api: PlacementAPI
    public let publicURL: String
    public let authURL: String
    public let database: StratusDatabase

    /// - Parameters:
    ///   - dataDirectory: holds `placement.sqlite` (unless the config names a database URL)
    ///     and an optional `placement-policy.yaml`.
    ///   - publicURL: where clients reach the API, e.g. `http://127.0.0.1:8778`.
    ///   - authURL: the Identity service, named in `WWW-Authenticate` on a 401.
    public init(
        dataDirectory: String, config: StratusConfig, publicURL: String, authURL: String, logger: Logger
    ) async throws {
        let database = try await StratusDatabase.openService(
            "placement", config: config, dataDirectory: dataDirectory, migrations: PlacementSchema.migrations,
            logger: logger)
        let policy = try PlacementPolicy(
            overrides: try PolicyEngine.loadOverrides(file: dataDirectory + "/placement-policy.yaml"))
        manager = PlacementManager(database: database, policy: policy, logger: logger)
        self.database = database
        self.publicURL = publicURL
        self.authURL = authURL
        api = PlacementAPI(manager: manager)
    }

    public func makeRouter(tokenValidator: any TokenValidating) -> Router<StratusRequestContext> {
        let router = Router.stratus(
            service: Self.catalogType, errorRenderer: PlacementErrorRenderer(authURL: authURL),
            tokenValidator: tokenValidator, microversions: Self.microversions)
        api.register(on: router)
        return router
    }

    public func shutdown() async {
        await database.close()
    }
}
