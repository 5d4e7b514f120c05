import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTP1
import StratusKit
import Synchronization
import XCTest

@testable import ObjectStorage

/// Makes a container server answer 503 to object row updates while on: what the object servers
/// see of a container server that is down or overloaded while the proxy can still reach it.
final class ContainerUpdateOutage: Sendable {
    private let state = Mutex(false)
    var isOn: Bool {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }

    /// Whether the container server refuses this request now: an object row update (PUT or
    /// DELETE of `/<device>/<partition>/<account>/<container>/<object>`) during the outage.
    func refuses(_ request: Request) -> Bool {
        let segments = request.uri.path.split(separator: "/", omittingEmptySubsequences: false).count - 1
        return isOn && (request.method == .put || request.method == .delete) && segments >= 5
    }
}

/// A one-host cluster on loopback, as `stratus up` runs it: live account, container and object
/// servers (each on its own port) serving devices d1…d4 in four zones, rings with 3 replicas and
/// 64 partitions, a proxy (in memory) with a TempAuth user, and the daemons.
struct DaemonCluster: Sendable {
    let root: String
    let devices: String
    let rings: StorageRings
    let daemons: DaemonRunner
    let proxy: any TestClientProtocol
    let token: String
    let account = "AUTH_test"

    var context: DaemonContext { daemons.context }

    static func run(
        outage: ContainerUpdateOutage = ContainerUpdateOutage(), tempAuthUsers: String = "test:tester:testing:.admin",
        allowAccountManagement: Bool = false, _ body: @Sendable @escaping (DaemonCluster) async throws -> Void
    ) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("daemons-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let devices = root + "/devices"
        for index in 1...4 {
            try FileManager.default.createDirectory(atPath: "\(devices)/d\(index)", withIntermediateDirectories: true)
        }
        let logger = { () -> Logger in
            var logger = Logger(label: "daemon-tests")
            logger.logLevel = .critical
            return logger
        }()
        let hashPath = HashPath(prefix: "", suffix: "daemon-tests")
        let client = BackendClient(connectTimeout: .milliseconds(500), nodeTimeout: .seconds(10))
        let accountServer = AccountServer(devicesRoot: devices, hashPath: hashPath, logger: logger)
        let containerServer = ContainerServer(
            devicesRoot: devices, hashPath: hashPath, accountUpdateSender: HTTPAccountUpdateSender(client: client), logger: logger)
        let objectServer = ObjectServer(
            layout: ObjectDiskLayout(devices: devices, hashPath: hashPath),
            containerUpdateSender: HTTPContainerUpdateSender(client: client), logger: logger)
        let address = ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0))
        try await Application(router: accountServer.makeRouter(), configuration: address, logger: logger).test(.live) { accountClient in
            let containerRouter = StorageServerRouting.makeRouter { request, context in
                if outage.refuses(request) { return Response(status: .serviceUnavailable) }
                return try await containerServer.respond(to: request, context: context)
            }
            try await Application(router: containerRouter, configuration: address, logger: logger).test(.live) { containerClient in
                try await Application(router: objectServer.makeRouter(), configuration: address, logger: logger).test(.live) {
                    objectClient in
                    try DefaultRings.ensure(
                        in: root + "/rings", deviceCount: 4, partPower: 6,
                        ports: ["account": accountClient.port!, "container": containerClient.port!, "object": objectClient.port!],
                        seed: 7)
                    let rings = try StorageRings(directory: root + "/rings", hashPath: hashPath)
                    let proxy = try ProxyServer(
                        rings: rings, publicURL: "http://127.0.0.1:8080", tempAuthUsers: tempAuthUsers,
                        allowAccountManagement: allowAccountManagement)
                    let daemons = DaemonRunner(
                        context: DaemonContext(devicesRoot: devices, hashPath: hashPath, rings: rings, client: client, logger: logger),
                        containerCache: containerServer.cache, accountCache: accountServer.cache, auditorBytesPerSecond: 0)
                    try await Application(router: proxy.makeRouter(tokenValidator: ProxyTests.NoKeystone()), logger: logger)
                        .test(.router) { proxyClient in
                            let session = try await ProxyTests.token(proxyClient, user: "test:tester", key: "testing")
                            let cluster = DaemonCluster(
                                root: root, devices: devices, rings: rings, daemons: daemons, proxy: proxyClient,
                                token: try XCTUnwrap(session.token))
                            try await body(cluster)
                        }
                    await proxy.shutdown()
                }
            }
        }
        await client.shutdown()
        await containerServer.shutdown()
        await accountServer.shutdown()
    }

    // MARK: Through the proxy

    @discardableResult
    func call(_ method: HTTPRequest.Method, _ path: String, headers extra: [String: String] = [:], body: [UInt8] = [])
        async throws -> TestResponse
    {
        var headers = HTTPFields(extra)
        headers[HTTPField.Name("X-Auth-Token")!] = token
        return try await proxy.execute(uri: "/v1/\(account)" + path, method: method, headers: headers, body: ByteBuffer(bytes: body))
    }

    func upload(_ container: String, _ object: String, _ body: [UInt8], headers: [String: String] = [:]) async throws {
        var headers = headers
        headers["Content-Length"] = String(body.count)
        let response = try await call(.put, "/\(container)/\(object)", headers: headers, body: body)
        XCTAssertEqual(response.status, .created, "PUT \(container)/\(object)")
    }

    /// The container's listing (plain text), one name per line.
    func listing(_ container: String) async throws -> [String] {
        let response = try await call(.get, "/\(container)")
        return response.text.split(separator: "\n").map(String.init)
    }

    // MARK: On the servers

    /// The object's primary devices and partition.
    func primaries(_ container: String, _ object: String) throws -> (partition: Int, nodes: [RingDevice]) {
        try rings.object.nodes(account: account, container: container, object: object)
    }

    /// GET of the object straight from one object server device.
    func get(_ container: String, _ object: String, on node: RingDevice, partition: Int) async -> DaemonResponse? {
        await context.request(
            .GET, node: node,
            path: BackendClient.path(device: node.device, partition: partition, account: account, container: container, object: object))
    }

    /// The hash directory of the object on one device.
    func hashDirectory(_ container: String, _ object: String, on node: RingDevice, partition: Int) throws -> String {
        let hash = Hex.lowercase(try HashPath(prefix: "", suffix: "daemon-tests").digest(account: account, container: container, object: object))
        return ObjectDiskLayout.hashDirectory(devicePath: devices + "/" + node.device, partition: String(partition), hash: hash)
    }

    /// Empties a device as a disk replacement would: the directory stays, its contents go.
    func wipe(_ device: String) throws {
        try FileManager.default.removeItem(atPath: devices + "/" + device)
        try FileManager.default.createDirectory(atPath: devices + "/" + device, withIntermediateDirectories: true)
    }

    /// Files below a device's directory whose names end with `suffix`.
    func files(on device: String, under directory: String, endingWith suffix: String) -> [String] {
        let root = devices + "/" + device + "/" + directory
        let enumerator = FileManager.default.enumerator(atPath: root)
        var found: [String] = []
        while let path = enumerator?.nextObject() as? String {
            if path.hasSuffix(suffix) { found.append(root + "/" + path) }
        }
        return found
    }

    func replicate() async -> [DaemonReport] {
        await daemons.runOnce([.objectReplicator, .containerReplicator, .accountReplicator])
    }
}
