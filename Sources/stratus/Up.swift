import ArgumentParser
import BlockStorage
import Compute
import Foundation
import Identity
import Image
import Networking
import ObjectStorage
import Placement
import ServiceClients
import Logging
import StratusKit

struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the whole cloud in this process.",
        discussion: """
            Starts every service on its standard port on 127.0.0.1 (identity: 5000, image: 9292, network: 9696, placement: 8778, compute: 8774 with its serial console proxy on 6083, the metadata API: 8775, block storage: 8776 with its scheduler and one volume service of the file back end (volumes under DATA_DIR/volumes), object storage: 8080 with its account, container and object servers on 6202, 6201 and 6200, and its replicators, auditor, updaters and expirer in the background), runs database migrations, and on first start bootstraps the Default domain, the admin and service projects, the admin user, the admin/member/reader roles and the catalog and the default flavors (m1.tiny … m1.xlarge, ids 1–5), creates the service user `nova` (admin on project `service`, its password generated once and saved in DATA_DIR/service-password), and registers the tiny guest image (built by scripts/build-test-image) as the public image `stratus-tiny` when it is present; creates the network `private` (198.51.100.0/24) next to `public`; runs Compute's conductor and scheduler and one compute agent per fake host (compute1 … computeN, --fake-compute-hosts), each registered with Placement. Writes DATA_DIR/clouds.yaml (clouds `stratus` and `stratus-system`) and DATA_DIR/openrc. A second start reuses all state. Stop with Ctrl-C or SIGTERM.
            """)

    @OptionGroup var options: CommonOptions

    @Option(help: "The admin user's password on first start (default: generated and saved in DATA_DIR/admin-password).")
    var adminPassword: String?

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(help: "The compute hosts' virt driver (only `fake` so far; default: compute.driver, else fake).")
    var computeDriver: String?

    @Option(help: "How many fake compute hosts to run in this process, compute1 … computeN; 0 runs none (default: compute.fake_hosts, else 1).")
    var fakeComputeHosts: Int?

    func run() async throws {
        let dataDirectory = options.resolvedDataDir
        try DataDirectory.create(dataDirectory)
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { StructuredLogHandler(label: $0, level: level) }
        let logger = Logger(label: "stratus")
        let config = try StratusConfig.load(file: options.resolvedConfigFile)
        let (password, passwordChanged) = try resolveAdminPassword(dataDirectory: dataDirectory)

        let identityPort = try config.int("identity.port", default: IdentityService.defaultPort)
        let identityURL = "http://\(host):\(identityPort)"
        let identity = try await IdentityService(
            dataDirectory: dataDirectory, config: config, publicURL: identityURL, logger: logger)
        let imagePort = try config.int("image.port", default: ImageService.defaultPort)
        let imageURL = "http://\(host):\(imagePort)"
        let image = try await ImageService(
            dataDirectory: dataDirectory, config: config, publicURL: imageURL, authURL: identityURL, logger: logger)
        let networkPort = try config.int("network.port", default: NetworkService.defaultPort)
        let networkURL = "http://\(host):\(networkPort)"
        let network = try await NetworkService(
            dataDirectory: dataDirectory, config: config, publicURL: networkURL, authURL: identityURL, logger: logger)
        let placementPort = try config.int("placement.port", default: PlacementService.defaultPort)
        let placementURL = "http://\(host):\(placementPort)"
        let placement = try await PlacementService(
            dataDirectory: dataDirectory, config: config, publicURL: placementURL, authURL: identityURL, logger: logger)
        let computePort = try config.int("compute.port", default: ComputeService.defaultPort)
        let blockStoragePort = try config.int("block_storage.port", default: BlockStorageService.defaultPort)
        let serviceSession = ServiceSession(
            credentials: ServiceCredentials(
                authURL: identityURL + "/v3", userName: Self.serviceUserName,
                password: try Self.servicePassword(dataDirectory: dataDirectory), projectName: "service"),
            endpointOverrides: [
                "image": imageURL, "network": networkURL, "placement": placementURL,
                "compute": "http://\(host):\(computePort)/v2.1",
                "block-storage": "http://\(host):\(blockStoragePort)/v3",
            ])
        let computeBackends = ComputeBackends(
            bus: TransportMessageBus(transport: InProcessTransport(), logger: logger),
            image: HTTPImageClient(session: serviceSession), network: HTTPNetworkClient(session: serviceSession),
            placement: HTTPPlacementClient(session: serviceSession), volume: HTTPVolumeClient(session: serviceSession))
        let compute = try await ComputeService(
            dataDirectory: dataDirectory, config: config, publicURL: "http://\(host):\(computePort)", authURL: identityURL,
            logger: logger, backends: computeBackends)
        let metadataPort = try config.int("metadata.port", default: ComputeService.metadataDefaultPort)
        var hostPlan = try ComputeHostPlan(config: config)
        if let computeDriver { hostPlan.driver = computeDriver }
        if let fakeComputeHosts {
            guard fakeComputeHosts >= 0 else { throw ValidationError("--fake-compute-hosts must be 0 or more") }
            hostPlan.fakeHosts = fakeComputeHosts
        }
        let computeWorkers = try compute.makeWorkers(plan: hostPlan)
        network.notifyCompute(through: ComputePortEvents(client: HTTPComputeEventClient(session: serviceSession)))
        let serialProxy = try compute.makeSerialConsoleProxy(
            host: host,
            port: try config.int("compute.serial_console.serialproxy_port", default: ComputeService.defaultSerialProxyPort))
        let blockStorage = try await BlockStorageService(
            dataDirectory: dataDirectory, config: config, publicURL: "http://\(host):\(blockStoragePort)",
            authURL: identityURL, logger: logger,
            backends: BlockStorageBackends(
                bus: TransportMessageBus(transport: InProcessTransport(), logger: logger),
                image: HTTPImageClient(session: serviceSession),
                objectStore: HTTPObjectStoreClient(session: serviceSession)))
        let volumeDriver = try FileVolumeDriver(
            root: dataDirectory + "/volumes", pools: try FilePool.parse(config.string("block_storage.file_pools")))
        let blockStorageWorkers = try blockStorage.makeWorkers(driver: volumeDriver)
        let servingLock = try await ServingLock.acquire(dataDirectory: dataDirectory, timeout: 60)
        let objectStorage = try ObjectStorageService(dataDirectory: dataDirectory, config: config, host: host, logger: logger)
        let region = config.string("identity.region", default: "RegionOne")
        let catalog = [
            CatalogRegistration(type: IdentityService.catalogType, name: "keystone", url: identityURL + "/v3"),
            CatalogRegistration(type: ImageService.catalogType, name: "glance", url: imageURL),
            CatalogRegistration(type: NetworkService.catalogType, name: "neutron", url: networkURL),
            CatalogRegistration(type: PlacementService.catalogType, name: "placement", url: placementURL),
            CatalogRegistration(type: ComputeService.catalogType, name: ComputeService.catalogName, url: compute.endpointURL),
            CatalogRegistration(type: ObjectStorageService.catalogType, name: "swift", url: objectStorage.catalogURL),
        ] + BlockStorageService.catalogTypes.map {
            CatalogRegistration(type: $0, name: BlockStorageService.catalogName, url: blockStorage.endpointURL)
        }
        let identityState = try await identity.bootstrap(
            adminPassword: password, resetPassword: passwordChanged, region: region, services: catalog)
        try CloudFiles.write(dataDirectory: dataDirectory, authURL: identityURL + "/v3", password: password, region: region)
        try await identity.ensureServiceUser(
            name: Self.serviceUserName, password: try Self.servicePassword(dataDirectory: dataDirectory),
            checkFile: dataDirectory + "/service-password.checked")
        try await network.bootstrap(adminProjectID: identityState.adminProjectID)
        try await compute.bootstrap()
        try await blockStorage.bootstrap()
        let tinyImage = try await TinyImage.register(
            in: image, ownerProjectID: identityState.adminProjectID, adminUserID: identityState.adminUserID)

        let servers = [
            APIServerSpec(name: "identity", host: host, port: identityPort, router: identity.makeRouter()),
            APIServerSpec(
                name: "image", host: host, port: imagePort, router: image.makeRouter(tokenValidator: identity.tokenValidator)),
            APIServerSpec(
                name: "network", host: host, port: networkPort,
                router: network.makeRouter(tokenValidator: identity.tokenValidator)),
            APIServerSpec(
                name: "placement", host: host, port: placementPort,
                router: placement.makeRouter(tokenValidator: identity.tokenValidator)),
            APIServerSpec(
                name: "compute", host: host, port: computePort,
                router: compute.makeRouter(tokenValidator: identity.tokenValidator)),
            APIServerSpec(name: "metadata", host: host, port: metadataPort, router: compute.makeMetadataRouter()),
            APIServerSpec(
                name: "block-storage", host: host, port: blockStoragePort,
                router: blockStorage.makeRouter(tokenValidator: identity.tokenValidator)),
        ] + objectStorage.servers(host: host, tokenValidator: identity.tokenValidator)
        let watchers = [
            BackgroundTask { await identity.watchKeyRepository() },
            BackgroundTask { await identity.watchSharedState() },
            BackgroundTask { await image.runScrubber() },
        ] + objectStorage.backgroundTasks() + computeWorkers.services + [serialProxy]
            + blockStorageWorkers.services
        do {
            try await APIServerGroup.run(servers: servers, background: watchers, logger: logger) {
                if !(await computeWorkers.waitUntilRegistered()) {
                    logger.warning("not every compute host registered with Placement within 30 s")
                }
                if !(await blockStorageWorkers.waitUntilRegistered()) {
                    logger.warning("the volume service did not report its pools within 30 s")
                }
                let banner = catalog.map { "\($0.type)   \($0.url)   (\($0.name))" } + [
                    "metadata   http://\(host):\(metadataPort)   (Nova's metadata API, not in the catalog; secret: metadata.proxy_shared_secret or \(dataDirectory)/metadata-proxy-secret)",
                    tinyImage,
                    "clouds.yaml: \(dataDirectory)/clouds.yaml   openrc: \(dataDirectory)/openrc",
                    "Try: OS_CLIENT_CONFIG_FILE=\(dataDirectory)/clouds.yaml openstack --os-cloud stratus token issue",
                    "Stratus is up",
                ]
                FileHandle.standardOutput.write(Data((banner.joined(separator: "\n") + "\n").utf8))
            }
        } catch {
            await objectStorage.shutdown()
            await blockStorage.shutdown()
            await compute.shutdown()
            await placement.shutdown()
            await network.shutdown()
            await image.shutdown()
            await identity.shutdown()
            throw error
        }
        await objectStorage.shutdown()
        await blockStorage.shutdown()
        await compute.shutdown()
        await placement.shutdown()
        await network.shutdown()
        await image.shutdown()
        await identity.shutdown()
        withExtendedLifetime(servingLock) {}
    }

    /// The user the compute service calls Placement, Network and Image as (DevStack's `nova`).
    static let serviceUserName = "nova"

    /// The service user's password: generated on first start and saved in DATA_DIR/service-password.
    static func servicePassword(dataDirectory: String) throws -> String {
        let file = dataDirectory + "/service-password"
        if let saved = (try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines),
            !saved.isEmpty
        {
            return saved
        }
        let generated = Base64URL.encode(IDGenerator.randomBytes(18), padded: false)
        try CloudFiles.writeSecret(generated + "\n", to: file)
        return generated
    }

    /// The flag's password, else the one saved on an earlier start, else a new one (saved);
    /// and whether it differs from the saved one (then the admin's password is reset).
    private func resolveAdminPassword(dataDirectory: String) throws -> (password: String, changed: Bool) {
        let file = dataDirectory + "/admin-password"
        let saved = (try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let adminPassword {
            guard adminPassword != saved else { return (adminPassword, false) }
            try CloudFiles.writeSecret(adminPassword + "\n", to: file)
            return (adminPassword, saved != nil)
        }
        if let saved { return (saved, false) }
        let generated = Base64URL.encode(IDGenerator.randomBytes(18), padded: false)
        try CloudFiles.writeSecret(generated + "\n", to: file)
        return (generated, false)
    }
}
