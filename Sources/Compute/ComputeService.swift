import Foundation
import HTTPTypes
import Hummingbird
import Logging
import StratusKit

/// The Compute service's composition root: opens its database, runs migrations, loads
/// policy and builds the Compute v2.1 routes with microversion negotiation.
public final class ComputeService: Sendable {
    public static let defaultPort = 8774
    public static let catalogType = "compute"
    public static let catalogName = "nova"
    /// The microversions served: 2.1 up to 2.96, negotiated through `OpenStack-API-Version:
    /// compute X.Y` or the legacy `X-OpenStack-Nova-API-Version`.
    public static let microversions = MicroversionRange(
        serviceType: catalogType, minimum: Microversion(2, 1), maximum: Microversion(2, 96),
        legacyHeader: HTTPField.Name("X-OpenStack-Nova-API-Version")!)

    let manager: ComputeManager
    let api: ComputeAPI
    /// Where clients reach the API's root, e.g. `http://127.0.0.1:8774`.
    public let publicURL: String
    public let authURL: String
    public let database: StratusDatabase

    /// The catalog URL: the v2.1 root.
    public var endpointURL: String { publicURL + "/v2.1" }

    /// - Parameters:
    ///   - dataDirectory: holds `compute.sqlite` (unless the config names `compute.database_url`)
    ///     and an optional `compute-policy.yaml`.
    ///   - publicURL: where clients reach the API, e.g. `http://127.0.0.1:8774`.
    ///   - authURL: the Identity service, named in `WWW-Authenticate` on a 401.
    public init(
        dataDirectory: String, config: StratusConfig, publicURL: String, authURL: String, logger: Logger
    ) async throws {
        let database = try await StratusDatabase.openService(
            "compute", config: config, dataDirectory: dataDirectory, migrations: ComputeSchema.migrations,
            logger: logger)
        let policy = try ComputePolicy(
            overrides: try PolicyEngine.loadOverrides(file: dataDirectory + "/compute-policy.yaml"))
        manager = ComputeManager(
            database: database, policy: policy, logger: logger, settings: try ComputeSettings(config))
        self.database = database
        self.publicURL = publicURL
        self.authURL = authURL
        api = ComputeAPI(manager: manager, publicURL: publicURL)
    }

    /// First-start setup: the default flavor set (m1.tiny … m1.xlarge, ids 1–5), created once.
    public func bootstrap() async throws {
        try await manager.seedDefaultFlavors()
    }

    public func makeRouter(tokenValidator: any TokenValidating) -> Router<StratusRequestContext> {
        let router = Router.stratus(
            service: Self.catalogType, errorRenderer: ComputeErrorRenderer(authURL: authURL),
            tokenValidator: tokenValidator, microversions: Self.microversions,
            microversionError: ComputeErrors.microversion)
        api.register(on: router)
        return router
    }

    public func shutdown() async {
        await database.close()
    }
}
