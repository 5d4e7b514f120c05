import Foundation
import Hummingbird
import Logging
import StratusKit

/// The Network service's composition root: opens its database, runs migrations, loads
/// policy and the ML2 type-driver settings, and builds the Neutron v2.0 routes. (The
/// module is named Networking: a module named Network would shadow the name Apple's
/// framework has, which the server libraries test for with `canImport(Network)`.)
public final class NetworkService: Sendable {
    public static let defaultPort = 9696
    public static let catalogType = "network"

    let manager: NetworkManager
    let api: NetworkAPI
    public let publicURL: String
    public let authURL: String
    public let database: StratusDatabase

    /// - Parameters:
    ///   - dataDirectory: holds `network.sqlite` (unless the config names a database URL) and
    ///     an optional `network-policy.yaml`.
    ///   - publicURL: where clients reach the API, e.g. `http://127.0.0.1:9696`.
    ///   - authURL: the Identity service, named in `WWW-Authenticate` on a 401.
    public init(
        dataDirectory: String, config: StratusConfig, publicURL: String, authURL: String, logger: Logger
    ) async throws {
        let settings = try NetworkSettings(config: config)
        let database = try await StratusDatabase.openService(
            "network", config: config, dataDirectory: dataDirectory, migrations: NetworkSchema.migrations, logger: logger)
        let policy = try NetworkPolicy(overrides: try PolicyEngine.loadOverrides(file: dataDirectory + "/network-policy.yaml"))
        manager = NetworkManager(database: database, policy: policy, settings: settings, logger: logger)
        self.database = database
        self.publicURL = publicURL
        self.authURL = authURL
        api = NetworkAPI(manager: manager, publicURL: publicURL)
    }

    public func makeRouter(tokenValidator: any TokenValidating) -> Router<StratusRequestContext> {
        let router = Router.stratus(
            service: Self.catalogType, errorRenderer: NetworkErrorRenderer(authURL: authURL), tokenValidator: tokenValidator)
        api.register(on: router)
        return router
    }

    /// Where port events for servers go (Compute's external events API).
    public func notifyCompute(through sink: any ServerPortEventSink) {
        manager.computeNotifier.install(sink)
    }

    public func shutdown() async {
        await database.close()
    }
}
