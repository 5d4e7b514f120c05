import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle
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

    /// Nova's metadata API port (`metadata.port`); it is not in the catalog.
    public static let metadataDefaultPort = MetadataSettings.defaultPort

    let manager: ComputeManager
    let schedulerConfiguration: SchedulerConfiguration
    let metadataSettings: MetadataSettings
    let logger: Logger
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
    /// - Parameters:
    ///   - backends: the bus and the Image, Network and Placement clients the server paths
    ///     need; without them server requests answer 503 (flavors and keypairs still work).
    public init(
        dataDirectory: String, config: StratusConfig, publicURL: String, authURL: String, logger: Logger,
        backends: ComputeBackends? = nil
    ) async throws {
        let database = try await StratusDatabase.openService(
            "compute", config: config, dataDirectory: dataDirectory, migrations: ComputeSchema.migrations,
            logger: logger)
        let policy = try ComputePolicy(
            overrides: try PolicyEngine.loadOverrides(file: dataDirectory + "/compute-policy.yaml"))
        let settings = try ComputeSettings(config)
        schedulerConfiguration = try SchedulerConfiguration(config: config)
        metadataSettings = try MetadataSettings(config: config, dataDirectory: dataDirectory)
        manager = ComputeManager(
            database: database, policy: policy, logger: logger, backends: backends, settings: settings)
        self.logger = logger
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

    /// The metadata API (`MetadataAPI`): no token, no microversions; errors as text.
    public func makeMetadataRouter() -> Router<StratusRequestContext> {
        let router = Router(context: StratusRequestContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: RequestMetricsMiddleware(service: "metadata"))
        router.add(middleware: AccessLogMiddleware())
        router.add(middleware: ErrorMiddleware(renderer: MetadataErrorRenderer()))
        MetadataAPI(manager: manager, settings: metadataSettings, content: metadataContent).register(on: router)
        return router
    }

    /// What metadata documents say beyond a server's own record.
    var metadataContent: MetadataContentSettings {
        MetadataContentSettings(
            dhcpDomain: metadataSettings.dhcpDomain, staticVendorData: metadataSettings.staticVendorData,
            defaultAvailabilityZone: manager.settings.defaultAvailabilityZone)
    }

    /// The conductor, the scheduler and one compute agent per host of the plan, on the
    /// backends' bus. Throws when the service was built without backends or the plan names
    /// a driver that does not exist.
    public func makeWorkers(plan: ComputeHostPlan) throws -> ComputeWorkers {
        guard let backends = manager.backends else {
            throw APIError(.serviceUnavailable, "The compute workers need the message bus and peer services.")
        }
        guard plan.driver == "fake" else {
            throw ConfigError("compute.driver: unknown driver '\(plan.driver)' (available: fake)")
        }
        guard let transport = (backends.bus as? TransportMessageBus)?.transport else {
            throw ConfigError("compute: the workers need a transport-backed message bus")
        }
        let faults = try plan.fakeFaults.map { try FakeDriverFaultPlan(parsing: $0) } ?? FakeDriverFaultPlan()
        let conductor = ComputeConductor(
            database: database, backends: backends, logger: logger,
            defaultAvailabilityZone: manager.settings.defaultAvailabilityZone,
            serviceDownTime: manager.settings.serviceDownTime)
        let scheduler = SchedulerRPCEndpoint(
            database: database, placement: backends.placement, configuration: schedulerConfiguration,
            serviceDownTime: manager.settings.serviceDownTime, logger: logger)
        var services: [any Service] = [
            RPCServer(transport: transport, target: MessageTarget(topic: "conductor", server: "stratus"),
                      endpoints: [conductor.endpoint], logger: logger),
            RPCServer(transport: transport, target: MessageTarget(topic: "scheduler", server: "stratus"),
                      endpoints: [scheduler.endpoint], logger: logger),
        ]
        services.append(BackgroundTask { await conductor.runSweeps() })
        var agents: [ComputeAgent] = []
        for host in plan.hostNames {
            let agent = ComputeAgent(
                host: host, driver: FakeVirtDriver(hostname: host, faults: faults), database: database,
                backends: backends, configuration: schedulerConfiguration,
                powerSyncInterval: manager.settings.syncPowerStateInterval,
                reclaimInterval: manager.settings.reclaimInstanceInterval, logger: logger, metadataContent: metadataContent)
            agents.append(agent)
            services.append(
                RPCServer(transport: transport, target: ComputeRPC.compute(host: host), endpoints: [agent.endpoint], logger: logger))
            services.append(BackgroundTask { await agent.run() })
        }
        return ComputeWorkers(services: services, agents: agents)
    }

    /// Nova's `serialproxy_port` default.
    public static let defaultSerialProxyPort = 6083

    /// The serial console proxy (Nova's `nova-serialproxy`) on `host:port`; `onServerRunning`
    /// is told the port it listens on. Throws when the service was built without backends.
    public func makeSerialConsoleProxy(
        host: String, port: Int, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> any Service {
        guard let backends = manager.backends else {
            throw APIError(.serviceUnavailable, "The serial console proxy needs the message bus.")
        }
        return SerialConsoleProxy(database: database, backends: backends, logger: logger)
            .server(host: host, port: port, onServerRunning: onServerRunning)
    }

    public func shutdown() async {
        await database.close()
    }
}
