import Foundation
import Hummingbird
import Logging
import StratusKit

/// The Identity service's composition root: opens its database, runs migrations, loads
/// the key repositories and policy, and builds the Keystone v3 routes.
public final class IdentityService: Sendable {
    public static let defaultPort = 5000
    public static let catalogType = "identity"

    let manager: IdentityManager
    let api: IdentityAPI
    public let publicURL: String
    public let database: StratusDatabase

    /// The validator every service's token middleware uses in this process.
    public var tokenValidator: any TokenValidating { LocalTokenValidator(provider: manager.tokens) }

    /// - Parameters:
    ///   - dataDirectory: holds `identity.sqlite` (unless the config names a database URL),
    ///     `fernet-keys/`, `credential-keys/` and an optional `policy.yaml`.
    ///   - publicURL: where clients reach the API, e.g. `http://127.0.0.1:5000`.
    public init(dataDirectory: String, config: StratusConfig, publicURL: String, logger: Logger) async throws {
        let settings = try IdentitySettings(config: config)
        let databaseURL = try DatabaseURL(
            parsing: config.string("identity.database_url") ?? config.string("database.url")
                ?? "sqlite:\(dataDirectory)/identity.sqlite")
        let database = try await StratusDatabase.open(databaseURL, logger: logger)
        let store = IdentityStore(database: database)
        try await store.migrate(logger: logger)
        let keys = FernetKeyRepository(directory: dataDirectory + "/fernet-keys", maxActiveKeys: settings.maxActiveKeys)
        try keys.setUpIfNeeded()
        let credentialKeys = FernetKeyRepository(directory: dataDirectory + "/credential-keys")
        try credentialKeys.setUpIfNeeded()
        let policy = try IdentityPolicy(overrides: try IdentityPolicy.loadOverrides(file: dataDirectory + "/policy.yaml"))
        let revocations = RevocationList()
        let roles = RoleResolver(store: store)
        let tokens = TokenProvider(
            keys: keys, store: store, roles: roles, catalog: CatalogProvider(store: store), revocations: revocations,
            settings: settings)
        let manager = IdentityManager(
            store: store, tokens: tokens, policy: policy, settings: settings, revocations: revocations,
            credentialKeys: credentialKeys, logger: logger)
        try await manager.loadRevocations(prune: true)
        _ = try await store.refreshSharedGeneration()
        self.manager = manager
        self.database = database
        self.publicURL = publicURL
        self.api = IdentityAPI(manager: manager, wire: IdentityWire(baseURL: publicURL + "/v3"), publicURL: publicURL)
    }

    /// The Keystone v3 API with the standard middleware.
    public func makeRouter() -> Router<StratusRequestContext> {
        let router = Router.stratus(
            service: Self.catalogType, errorRenderer: IdentityErrorRenderer(publicURL: publicURL), tokenValidator: tokenValidator)
        api.register(on: router)
        return router
    }

    /// Re-reads the Fernet keys (after `stratus identity fernet-rotate`).
    public func reloadKeys() throws {
        try manager.tokens.keys.reload()
        manager.tokens.forgetCachedValidations()
    }

    public func shutdown() async {
        await database.close()
    }
}

extension IdentityService {
    /// Notices key rotations made by `stratus identity fernet-rotate` (another process):
    /// every few seconds, re-reads the key directory when its key files changed.
    public func watchKeyRepository(every interval: Duration = .seconds(5)) async {
        var known = manager.tokens.keys.heldIndexes.sorted()
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            let directory = manager.tokens.keys.directory
            let onDisk = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).compactMap(Int.init).sorted()
            if onDisk != known, (try? reloadKeys()) != nil {
                manager.logger.info("fernet keys reloaded", metadata: ["keys": "\(onDisk)"])
                known = onDisk
            }
        }
    }

    /// Keeps this process in step with others on the same database: every `interval`, when
    /// another process has written, drops the caches and reloads the revocation events. (In
    /// one process, writes take effect at once; across processes within `interval`.)
    public func watchSharedState(every interval: Duration = .seconds(1)) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            do {
                if try await manager.store.refreshSharedGeneration() {
                    try await manager.loadRevocations(prune: false)
                }
            } catch where !Task.isCancelled {
                manager.logger.warning("cannot read the shared identity state", metadata: ["error": "\(error)"])
            } catch {
                return
            }
        }
    }

    /// Rotates the Fernet keys in `dataDirectory` (`stratus identity fernet-rotate`).
    public static func rotateFernetKeys(dataDirectory: String, maxActiveKeys: Int) throws -> [Int] {
        let keys = FernetKeyRepository(directory: dataDirectory + "/fernet-keys", maxActiveKeys: maxActiveKeys)
        try keys.setUpIfNeeded()
        return try keys.rotate()
    }
}
