import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle
import StratusKit

/// The Block Storage service's composition root: opens its database, runs migrations,
/// loads policy, builds the Cinder v3 routes with microversion negotiation, and makes the
/// scheduler and the volume agent of the `file` back end.
public final class BlockStorageService: Sendable {
    public static let defaultPort = 8776
    /// Registered under both types, as DevStack does: clients look up either.
    public static let catalogTypes = ["block-storage", "volumev3"]
    public static let catalogName = "cinder"
    /// 3.0 up to 3.70, negotiated through `OpenStack-API-Version: volume X.Y`.
    public static let microversions = MicroversionRange(
        serviceType: "volume", minimum: Microversion(3, 0), maximum: Microversion(3, 70))

    let manager: BlockStorageManager
    let api: BlockStorageAPI
    let dataDirectory: String
    let logger: Logger
    public let publicURL: String
    public let authURL: String
    public let database: StratusDatabase

    /// The catalog URL: the v3 root with the project's id.
    public var endpointURL: String { publicURL + "/v3/$(project_id)s" }

    /// - Parameters:
    ///   - dataDirectory: holds `block_storage.sqlite` (unless the config names
    ///     `block_storage.database_url`), an optional `block-storage-policy.yaml`, and the
    ///     `file` back end's data under `volumes/`, backups under `backups/`.
    ///   - backends: the bus and the Image client; without them volume creation answers 503.
    public init(
        dataDirectory: String, config: StratusConfig, publicURL: String, authURL: String, logger: Logger,
        backends: BlockStorageBackends? = nil
    ) async throws {
        let settings = try BlockStorageSettings(config: config)
        database = try await StratusDatabase.openService(
            "block_storage", config: config, dataDirectory: dataDirectory, migrations: BlockStorageSchema.migrations,
            logger: logger)
        let policy = try BlockStoragePolicy(
            overrides: try PolicyEngine.loadOverrides(file: dataDirectory + "/block-storage-policy.yaml"))
        manager = BlockStorageManager(database: database, policy: policy, settings: settings, backends: backends, logger: logger)
        api = BlockStorageAPI(manager: manager, publicURL: publicURL)
        self.dataDirectory = dataDirectory
        self.logger = logger
        self.publicURL = publicURL
        self.authURL = authURL
    }

    /// First start: the default volume type.
    public func bootstrap() async throws {
        try await manager.bootstrap()
    }

    public func makeRouter(tokenValidator: any TokenValidating) -> Router<StratusRequestContext> {
        let router = Router.stratus(
            service: "block-storage", errorRenderer: BlockStorageErrorRenderer(authURL: authURL),
            tokenValidator: tokenValidator, microversions: Self.microversions,
            microversionError: BlockStorageErrors.microversion)
        api.register(on: router)
        return router
    }

    /// The scheduler and one volume agent for `driver` on `host`, on the backends' bus.
    public func makeWorkers(driver: any VolumeDriver, host: String = "stratus") throws -> BlockStorageWorkers {
        let backends = try manager.requireBackends()
        guard let transport = (backends.bus as? TransportMessageBus)?.transport else {
            throw ConfigError("block storage: the workers need a transport-backed message bus")
        }
        let scheduler = VolumeScheduler(
            database: database, bus: backends.bus, settings: manager.settings, logger: logger)
        let agent = VolumeAgent(
            serviceHost: host + "@" + driver.backendName, driver: driver, database: database, backends: backends,
            settings: manager.settings, scratchDirectory: dataDirectory + "/volumes/.staging",
            backupStore: try backupStore(backends: backends), logger: logger)
        let services: [any Service] = [
            RPCServer(transport: transport, target: MessageTarget(topic: VolumeRPC.scheduler.topic, server: host),
                      endpoints: [scheduler.endpoint], logger: logger),
            BackgroundTask { await scheduler.heartbeat(host: host) },
            RPCServer(transport: transport, target: VolumeRPC.volume(serviceHost: agent.serviceHost),
                      endpoints: [agent.endpoint], logger: logger),
            BackgroundTask { await agent.run() },
        ]
        return BlockStorageWorkers(services: services, agents: [agent])
    }

    /// The store `block_storage.backup_driver` names: files under `backups/`, or Object Storage.
    func backupStore(backends: BlockStorageBackends) throws -> any BackupStore {
        switch manager.settings.backupDriver {
        case .file:
            return FileBackupStore(root: dataDirectory + "/backups")
        case .swift:
            guard let objectStore = backends.objectStore else {
                throw ConfigError("block storage: the swift backup driver needs an Object Storage client")
            }
            return ObjectStoreBackupStore(client: objectStore, container: manager.settings.backupContainer)
        }
    }

    public func shutdown() async {
        await database.close()
    }
}

/// The scheduler and volume agents `stratus up` runs beside the API.
public struct BlockStorageWorkers: Sendable {
    public let services: [any Service]
    let agents: [VolumeAgent]

    /// Waits until every volume agent has reported its pools (or `timeout` passes).
    public func waitUntilRegistered(timeout: Duration = .seconds(30)) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            var ready = true
            for agent in agents where !(await agent.isRegistered) { ready = false }
            if ready { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}
