import Foundation
import Hummingbird
import Logging
import StratusKit

/// The Image service's composition root: opens its database, runs migrations, sets up the
/// data store and the staging area, loads policy, and builds the Glance v2 routes.
public final class ImageService: Sendable {
    public static let defaultPort = 9292
    public static let catalogType = "image"

    let manager: ImageManager
    let api: ImageAPI
    public let publicURL: String
    /// Where clients get tokens (named in the `WWW-Authenticate` header of a 401).
    public let authURL: String
    public let database: StratusDatabase

    /// - Parameters:
    ///   - dataDirectory: holds `image.sqlite` (unless the config names a database URL),
    ///     `images/` (the file store), `image-staging/` and an optional `image-policy.yaml`.
    ///   - publicURL: where clients reach the API, e.g. `http://127.0.0.1:9292`.
    ///   - authURL: the Identity service, e.g. `http://127.0.0.1:5000`.
    public init(
        dataDirectory: String, config: StratusConfig, publicURL: String, authURL: String, logger: Logger
    ) async throws {
        let settings = try ImageSettings(config: config)
        let database = try await StratusDatabase.openService(
            "image", config: config, dataDirectory: dataDirectory, migrations: ImageSchema.migrations, logger: logger)
        let store = try FileImageStore(root: config.string("image.filesystem_store_datadir") ?? dataDirectory + "/images")
        let staging = try FileImageStore(root: dataDirectory + "/image-staging")
        let policy = try ImagePolicy(overrides: try PolicyEngine.loadOverrides(file: dataDirectory + "/image-policy.yaml"))
        let manager = ImageManager(
            database: database, store: store, staging: staging, policy: policy, settings: settings, logger: logger)
        try await manager.recoverInterruptedTransfers()
        try await manager.failUnfinishedTasks()
        self.manager = manager
        self.database = database
        self.publicURL = publicURL
        self.authURL = authURL
        self.api = ImageAPI(manager: manager, publicURL: publicURL)
    }

    /// The Glance v2 API with the standard middleware; tokens are checked by `tokenValidator`.
    public func makeRouter(tokenValidator: any TokenValidating) -> Router<StratusRequestContext> {
        let router = Router.stratus(service: Self.catalogType, errorRenderer: ImageErrorRenderer(authURL: authURL), tokenValidator: tokenValidator)
        api.register(on: router)
        return router
    }

    /// Removes the data of images deleted with `delayed_delete` once `scrub_time` has
    /// passed (Glance's scrubber), and expired tasks, every `scrub_interval` seconds, until
    /// cancelled.
    public func runScrubber() async {
        while !Task.isCancelled {
            if manager.settings.delayedDelete { await manager.scrub() }
            await manager.purgeExpiredTasks()
            try? await Task.sleep(for: .seconds(max(1, manager.settings.scrubInterval)))
        }
    }

    public func shutdown() async {
        await database.close()
    }
}
