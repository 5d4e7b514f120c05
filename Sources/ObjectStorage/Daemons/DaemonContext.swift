import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// What every consistency daemon of one host works with: the devices directory, the rings, an
/// HTTP client to the storage servers, and which ring devices are this host's.
///
/// Daemons reach every server, this host's included, over HTTP at the device's replication
/// address (`replication_ip:replication_port`), as Swift's do; `addressMap` can point a ring
/// address elsewhere (a `--once` pass against a stopped cloud serves the storage servers
/// itself on other ports).
public struct DaemonContext: Sendable {
    public enum Server: String, Sendable, CaseIterable {
        case object, container, account
    }

    public let devicesRoot: String
    public let hashPath: HashPath
    public let rings: StorageRings
    let client: BackendClient
    public var logger: Logger
    /// Tombstones and deleted rows older than this many seconds may go (Swift's `reclaim_age`).
    public var reclaimAge: Double
    /// `ip:port` as a ring says → `ip:port` to connect to instead.
    public var addressMap: [String: String]
    /// The device names that are this host's; nil: every ring device with a directory under
    /// `devicesRoot` (a one-host cloud, where every device is local).
    public var localDeviceNames: Set<String>?
    /// Unix seconds now.
    public var clock: @Sendable () -> Double

    init(
        devicesRoot: String, hashPath: HashPath, rings: StorageRings, client: BackendClient, logger: Logger,
        reclaimAge: Double = 7 * 24 * 3600, addressMap: [String: String] = [:], localDeviceNames: Set<String>? = nil,
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }
    ) {
        self.devicesRoot = devicesRoot
        self.hashPath = hashPath
        self.rings = rings
        self.client = client
        self.logger = logger
        self.reclaimAge = reclaimAge
        self.addressMap = addressMap
        self.localDeviceNames = localDeviceNames
        self.clock = clock
    }

    public func ring(_ server: Server) -> Ring {
        switch server {
        case .object: rings.object
        case .container: rings.container
        case .account: rings.account
        }
    }

    /// This host's devices in a ring whose directories exist, in ring order.
    func localDevices(_ server: Server) -> [RingDevice] {
        var seen = Set<String>()
        return ring(server).devices.filter { device in
            guard localDeviceNames?.contains(device.device) ?? true, seen.insert(device.device).inserted else { return false }
            return StorageWalk.isDirectory(devicePath(device))
        }
    }

    func devicePath(_ device: RingDevice) -> String { devicesRoot + "/" + device.device }

    /// `ip:port` of the server holding `node` (its replication address), after `addressMap`.
    func host(of node: RingDevice) -> String {
        let ip = node.replicationIP.contains(":") ? "[\(node.replicationIP)]" : node.replicationIP
        return mapped("\(ip):\(node.replicationPort)")
    }

    /// A ring address (`ip:port`) after `addressMap`.
    func mapped(_ host: String) -> String { addressMap[host] ?? host }

    /// One request to the server holding `node`; the whole answer (a body up to `limit` bytes),
    /// or nil when no answer came (connection refused, timeout, a body over the limit).
    func request(
        _ method: HTTPMethod, node: RingDevice, path: String, headers: HTTPHeaders = [:],
        body: HTTPClientRequest.Body? = nil, limit: Int = 64 << 20
    ) async -> DaemonResponse? {
        await request(method, host: host(of: node), path: path, headers: headers, body: body, limit: limit)
    }

    func request(
        _ method: HTTPMethod, host: String, path: String, headers: HTTPHeaders = [:], body: HTTPClientRequest.Body? = nil,
        limit: Int = 64 << 20
    ) async -> DaemonResponse? {
        var request = HTTPClientRequest(url: "http://\(host)\(path)")
        request.method = method
        request.headers = headers
        if let body { request.body = body }
        do {
            let response = try await client.http.execute(request, timeout: client.nodeTimeout)
            let bytes = try await response.body.collect(upTo: limit)
            return DaemonResponse(status: Int(response.status.code), headers: response.headers, body: bytes)
        } catch {
            logger.debug("request failed", metadata: ["host": "\(host)", "path": "\(path)", "error": "\(error)"])
            return nil
        }
    }

    /// Runs blocking file-system work off the cooperative thread pool.
    func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(work)
    }
}

/// A storage server's whole answer to a daemon.
struct DaemonResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: ByteBuffer

    var isSuccess: Bool { (200..<300).contains(status) }
    var data: Data { Data(body.readableBytesView) }
}
