import Foundation
import Hummingbird
import Logging
import StratusKit

/// Object Storage on one host, as `stratus up` runs it: the proxy (8080) in front of one
/// account (6202), container (6201) and object server (6200), each serving every device
/// under `DATA_DIR/object/devices` (`d1` … `dN`, one zone each), with the three rings in
/// `DATA_DIR/object/rings` (made on first start: N devices, 3 replicas) and the cluster's
/// hash path suffix in `DATA_DIR/object/hash_path_suffix` (made once, never changed), and the
/// consistency daemons over those devices (`backgroundTasks()`, docs/object-storage-daemons.md).
public final class ObjectStorageService: Sendable {
    public static let defaultPort = 8080
    public static let catalogType = "object-store"

    public let proxy: ProxyServer
    public let objectServer: ObjectServer
    public let containerServer: ContainerServer
    public let accountServer: AccountServer
    public let ports: (proxy: Int, object: Int, container: Int, account: Int)
    public let rings: StorageRings
    public let hashPath: HashPath
    /// `DATA_DIR/object/devices`.
    public let devicesRoot: String
    /// The consistency daemons (replicators, auditor, updaters, expirer, reaper) of this host.
    public let daemons: DaemonRunner
    let client: BackendClient

    /// - Parameters:
    ///   - publicURL: where clients reach the proxy, e.g. `http://127.0.0.1:8080`.
    public init(dataDirectory: String, config: StratusConfig, host: String, logger: Logger) throws {
        let root = dataDirectory + "/object"
        let devices = root + "/devices"
        let deviceCount = try config.int("object.devices", default: 4)
        for index in 1...max(deviceCount, 1) {
            try FileManager.default.createDirectory(atPath: "\(devices)/d\(index)", withIntermediateDirectories: true)
        }
        let hashPath = HashPath(prefix: "", suffix: try Self.hashPathSuffix(file: root + "/hash_path_suffix"))
        let ports = (
            proxy: try config.int("object.port", default: Self.defaultPort),
            object: try config.int("object.object_server_port", default: DefaultRings.ports["object"]!),
            container: try config.int("object.container_server_port", default: DefaultRings.ports["container"]!),
            account: try config.int("object.account_server_port", default: DefaultRings.ports["account"]!)
        )
        try DefaultRings.ensure(
            in: root + "/rings", deviceCount: deviceCount, ip: host, partPower: try config.int("object.part_power", default: 10),
            replicas: try config.int("object.replicas", default: 3),
            ports: ["object": ports.object, "container": ports.container, "account": ports.account])
        let rings = try StorageRings(directory: root + "/rings", hashPath: hashPath)
        client = BackendClient()
        accountServer = AccountServer(devicesRoot: devices, hashPath: hashPath, logger: logger)
        containerServer = ContainerServer(
            devicesRoot: devices, hashPath: hashPath, accountUpdateSender: HTTPAccountUpdateSender(client: client), logger: logger)
        objectServer = ObjectServer(
            layout: ObjectDiskLayout(devices: devices, hashPath: hashPath),
            containerUpdateSender: LocalContainerUpdateSender(
                containerServer: containerServer, localHosts: ["\(host):\(ports.container)"],
                remote: HTTPContainerUpdateSender(client: client)),
            logger: logger)
        proxy = try ProxyServer(
            rings: rings, publicURL: "http://\(host):\(ports.proxy)", tempAuthUsers: config.string("object.tempauth_users"),
            allowVersionedWrites: try config.bool("object.allow_versioned_writes", default: true),
            allowAccountManagement: try config.bool("object.allow_account_management", default: false))
        self.ports = ports
        self.rings = rings
        self.hashPath = hashPath
        self.devicesRoot = devices
        let intervals = try DaemonRunner.intervals(from: config)
        let auditorRate = try config.int("object.auditor_bytes_per_second", default: 10_000_000)
        daemons = DaemonRunner(
            context: DaemonContext(devicesRoot: devices, hashPath: hashPath, rings: rings, client: client, logger: logger),
            containerCache: containerServer.cache, accountCache: accountServer.cache, intervals: intervals,
            auditorBytesPerSecond: auditorRate, replicatorConcurrency: try config.int("object.replicator_concurrency", default: 4),
            delayReaping: Double(try config.int("object.delay_reaping", default: 0)))
    }

    /// The daemons again, reaching the storage servers at other addresses (`ip:port` as the
    /// rings say → `ip:port` to use), for passes that serve the storage servers themselves.
    public func makeDaemons(addressMap: [String: String]) -> DaemonRunner {
        var context = daemons.context
        context.addressMap = addressMap
        return DaemonRunner(
            context: context, containerCache: containerServer.cache, accountCache: accountServer.cache,
            intervals: daemons.intervals, auditorBytesPerSecond: daemons.auditorBytesPerSecond,
            replicatorConcurrency: daemons.replicatorConcurrency, delayReaping: daemons.delayReaping)
    }

    /// The daemons' background loops, for `stratus up`.
    public func backgroundTasks() -> [BackgroundTask] { daemons.backgroundTasks() }

    /// The catalog URL: Keystone fills in the project per token.
    public var catalogURL: String { proxy.publicURL + "/v1/AUTH_$(project_id)s" }

    /// The four listeners: the proxy and the three storage servers.
    public func servers(host: String, tokenValidator: any TokenValidating) -> [APIServerSpec] {
        [
            APIServerSpec(name: "object-proxy", host: host, port: ports.proxy, router: proxy.makeRouter(tokenValidator: tokenValidator)),
            APIServerSpec(name: "object-server", host: host, port: ports.object, router: objectServer.makeRouter()),
            APIServerSpec(name: "container-server", host: host, port: ports.container, router: containerServer.makeRouter()),
            APIServerSpec(name: "account-server", host: host, port: ports.account, router: accountServer.makeRouter()),
        ]
    }

    /// The account, container and object servers (without the proxy), named by their ring kind.
    public func storageServers(host: String, port: (DaemonContext.Server) -> Int) -> [(DaemonContext.Server, APIServerSpec)] {
        [
            (.object, APIServerSpec(name: "object-server", host: host, port: port(.object), router: objectServer.makeRouter())),
            (.container, APIServerSpec(name: "container-server", host: host, port: port(.container), router: containerServer.makeRouter())),
            (.account, APIServerSpec(name: "account-server", host: host, port: port(.account), router: accountServer.makeRouter())),
        ]
    }

    public func shutdown() async {
        await proxy.shutdown()
        await client.shutdown()
        await containerServer.shutdown()
        await accountServer.shutdown()
    }

    /// The suffix every path hash of this cluster uses: random on first start, then kept.
    static func hashPathSuffix(file: String) throws -> String {
        if let saved = try? String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
            !saved.isEmpty
        {
            return saved
        }
        let suffix = IDGenerator.hex()
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try (suffix + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        return suffix
    }
}
