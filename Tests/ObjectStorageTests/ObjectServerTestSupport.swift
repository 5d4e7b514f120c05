import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import StratusKit
import Synchronization
import XCTest

@testable import ObjectStorage

#if canImport(Glibc)
    import Glibc
#endif

/// A container update sender that records what it is given and fails when told to.
final class RecordingSender: ContainerUpdateSender {
    let fails: Bool
    private let sent = Mutex<[(ContainerUpdate, ContainerUpdateTarget)]>([])

    init(fails: Bool) { self.fails = fails }

    var updates: [(ContainerUpdate, ContainerUpdateTarget)] { sent.withLock { $0 } }

    struct Refused: Error {}

    func send(_ update: ContainerUpdate, to target: ContainerUpdateTarget) async throws {
        sent.withLock { $0.append((update, target)) }
        if fails { throw Refused() }
    }
}

/// One object server over a temporary devices directory holding device `d1`.
struct ObjectServerFixture: Sendable {
    let root: String
    let layout: ObjectDiskLayout
    let server: ObjectServer

    static let hashPath = HashPath(prefix: "", suffix: "stratus-test-suffix")

    init(sender: (any ContainerUpdateSender)? = nil, clock: (@Sendable () -> Double)? = nil) throws {
        root = NSTemporaryDirectory() + "objsrv-" + IDGenerator.hex().prefix(12)
        try FileManager.default.createDirectory(atPath: root + "/d1", withIntermediateDirectories: true)
        layout = ObjectDiskLayout(devices: root, hashPath: ObjectServerFixture.hashPath)
        var logger = Logger(label: "object-server-test")
        logger.logLevel = .critical
        server = ObjectServer(
            layout: layout, containerUpdateSender: sender, clock: clock ?? { Date().timeIntervalSince1970 },
            logger: logger)
    }

    var devicePath: String { root + "/d1" }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    /// The hash directory of `/a/c/<object>` in `partition` on d1.
    func hashDirectory(_ object: String, partition: String = "0", account: String = "a", container: String = "c") throws
        -> String
    {
        let hash = try layout.objectHash(account: account, container: container, object: object)
        return ObjectDiskLayout.hashDirectory(devicePath: devicePath, partition: partition, hash: hash)
    }

    func files(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    /// Runs `body` against the server's router, in memory.
    func withClient(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let app = Application(router: server.makeRouter(), logger: logger)
        try await app.test(.router) { client in try await body(client) }
    }
}

/// Seconds a test adds to the server's clock.
final class ClockOffset: Sendable {
    private let value = Mutex<Double>(0)
    var seconds: Double {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}

/// Timestamps a test hands out in increasing order, from a fixed recent second.
final class TimestampSource: Sendable {
    private let next = Mutex<Int64>(Int64(Date().timeIntervalSince1970) * 100_000 - 100_000 * 1000)

    /// A fresh timestamp, 10 ms after the previous one.
    func make() -> SwiftTimestamp {
        next.withLock { raw in
            raw += 1000
            return SwiftTimestamp(raw: raw)!
        }
    }
}

func md5Hex(_ bytes: [UInt8]) -> String { Hex.lowercase(Insecure.MD5.hash(data: bytes)) }

func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
}

extension HTTPFields {
    init(_ pairs: [String: String]) {
        self.init()
        for (name, value) in pairs { self[HTTPField.Name(name)!] = value }
    }

    subscript(_ name: String) -> String? { self[HTTPField.Name(name)!] }
}

extension TestClientProtocol {
    @discardableResult
    func put(
        _ path: String, _ body: [UInt8], timestamp: SwiftTimestamp, contentType: String = "application/octet-stream",
        headers extra: [String: String] = [:]
    ) async throws -> TestResponse {
        var headers = HTTPFields(extra)
        headers[.contentType] = contentType
        headers[HTTPField.Name("X-Timestamp")!] = headers["X-Timestamp"] ?? timestamp.internal
        return try await execute(uri: path, method: .put, headers: headers, body: ByteBuffer(bytes: body))
    }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> TestResponse {
        try await execute(uri: path, method: .get, headers: HTTPFields(headers))
    }

    func head(_ path: String, headers: [String: String] = [:]) async throws -> TestResponse {
        try await execute(uri: path, method: .head, headers: HTTPFields(headers))
    }

    @discardableResult
    func delete(_ path: String, timestamp: SwiftTimestamp, headers extra: [String: String] = [:]) async throws
        -> TestResponse
    {
        var headers = HTTPFields(extra)
        headers[HTTPField.Name("X-Timestamp")!] = headers["X-Timestamp"] ?? timestamp.internal
        return try await execute(uri: path, method: .delete, headers: headers)
    }

    @discardableResult
    func post(_ path: String, timestamp: SwiftTimestamp, headers extra: [String: String] = [:]) async throws
        -> TestResponse
    {
        var headers = HTTPFields(extra)
        headers[HTTPField.Name("X-Timestamp")!] = headers["X-Timestamp"] ?? timestamp.internal
        return try await execute(uri: path, method: .post, headers: headers)
    }

    func replicate(_ path: String) async throws -> (TestResponse, [String: String]) {
        let response = try await execute(uri: path, method: ObjectServer.replicateMethod)
        let hashes = (try? JSONDecoder().decode([String: String].self, from: Data(response.body.readableBytesView))) ?? [:]
        return (response, hashes)
    }
}

extension TestResponse {
    var bytes: [UInt8] { Array(body.readableBytesView) }
    var text: String { String(decoding: body.readableBytesView, as: UTF8.self) }
}

/// A bare HTTP/1.1 exchange over a TCP socket: sends `request` as is and reads until the
/// server closes (send `Connection: close`). For what the test clients cannot send.
enum RawHTTP {
    static func exchange(port: Int, _ request: [UInt8]) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        var sent = 0
        while sent < request.count {
            let count = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, request.count - sent, 0) }
            guard count > 0 else { throw POSIXError(.EPIPE) }
            sent += count
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            response += buffer.prefix(count)
        }
        return String(decoding: response, as: UTF8.self)
    }
}
