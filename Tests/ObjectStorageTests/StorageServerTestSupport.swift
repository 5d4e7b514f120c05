import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ObjectStorage
import StratusKit
import XCTest

/// A devices directory with one device (`sda1`), an account server and a container server on it
/// (the container server tells the account server through `LocalAccountUpdateSender` unless a
/// test gives another sender), and a test client for each.
struct StorageTestCluster: Sendable {
    static let device = "sda1"
    static let hashPath = HashPath(prefix: "", suffix: "changeme")
    static let logger: Logger = {
        var logger = Logger(label: "storage-test")
        logger.logLevel = .warning
        return logger
    }()

    let root: String
    let accounts: AccountServer
    let containers: ContainerServer
    let accountClient: any TestClientProtocol
    let containerClient: any TestClientProtocol

    /// The headers a proxy adds to a container PUT or DELETE so that the container server tells
    /// the account server (partition 0 of `sda1` here).
    static let accountHeaders: [String: String] = [
        "X-Account-Host": "127.0.0.1:6202", "X-Account-Device": device, "X-Account-Partition": "0",
    ]

    static func run(
        cacheCapacity: Int = 64, sender: (@Sendable (AccountServer) -> any AccountUpdateSender)? = nil,
        _ body: @Sendable (StorageTestCluster) async throws -> Void
    ) async throws {
        let root = try makeDevicesRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let accounts = AccountServer(devicesRoot: root, hashPath: hashPath, cacheCapacity: cacheCapacity, logger: logger)
        let containers = ContainerServer(
            devicesRoot: root, hashPath: hashPath, cacheCapacity: cacheCapacity,
            accountUpdateSender: sender?(accounts) ?? LocalAccountUpdateSender(accountServer: accounts), logger: logger)
        var failure: (any Error)?
        do {
            try await Application(router: accounts.makeRouter(), logger: logger).test(.router) { accountClient in
                try await Application(router: containers.makeRouter(), logger: logger).test(.router) { containerClient in
                    try await body(
                        StorageTestCluster(
                            root: root, accounts: accounts, containers: containers, accountClient: accountClient,
                            containerClient: containerClient))
                }
            }
        } catch {
            failure = error
        }
        await containers.shutdown()
        await accounts.shutdown()
        if let failure { throw failure }
    }

    static func makeDevicesRoot() throws -> String {
        let root = NSTemporaryDirectory() + "storage-tests-" + IDGenerator.hex().prefix(10)
        try FileManager.default.createDirectory(atPath: root + "/" + device, withIntermediateDirectories: true)
        return root
    }

    // MARK: Requests

    /// A request to the container server; `path` is after `/sda1/0/` (already percent-encoded).
    @discardableResult
    func container(
        _ method: HTTPRequest.Method, _ path: String, headers: [String: String] = [:], file: StaticString = #filePath,
        line: UInt = #line
    ) async throws -> StorageResponse {
        try await Self.send(containerClient, method, "/\(Self.device)/0/" + path, headers: headers)
    }

    @discardableResult
    func account(_ method: HTTPRequest.Method, _ path: String, headers: [String: String] = [:]) async throws -> StorageResponse {
        try await Self.send(accountClient, method, "/\(Self.device)/0/" + path, headers: headers)
    }

    static func send(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, headers: [String: String]
    ) async throws -> StorageResponse {
        var fields = HTTPFields()
        for (name, value) in headers { fields[HTTPField.Name(name)!] = value }
        return try await client.execute(uri: uri, method: method, headers: fields, body: nil) { response in
            StorageResponse(
                status: Int(response.status.code), headers: response.headers,
                body: String(buffer: response.body))
        }
    }

    /// Creates a container (PUT with X-Timestamp, reporting to the account server), and first its
    /// account unless `createAccount` is false.
    @discardableResult
    func createContainer(
        _ name: String, account: String = "AUTH_test", at timestamp: String = "1700000000.00000",
        headers: [String: String] = [:], createAccount: Bool = true
    ) async throws -> StorageResponse {
        if createAccount {
            let response = try await self.account(.head, account)
            if response.status == 404 {
                try await self.account(.put, account, headers: ["X-Timestamp": "1600000000.00000"])
            }
        }
        var all = Self.accountHeaders.merging(headers) { _, new in new }
        all["X-Timestamp"] = timestamp
        return try await container(.put, "\(account)/\(name)", headers: all)
    }

    /// An object server's row update (PUT with size, type and etag).
    @discardableResult
    func putObject(
        _ path: String, at timestamp: String, size: Int = 0, contentType: String = "application/octet-stream",
        etag: String = "d41d8cd98f00b204e9800998ecf8427e"
    ) async throws -> StorageResponse {
        try await container(
            .put, path,
            headers: ["X-Timestamp": timestamp, "X-Size": String(size), "X-Content-Type": contentType, "X-Etag": etag])
    }
}

struct StorageResponse: Sendable {
    var status: Int
    var headers: HTTPFields
    var body: String

    func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }

    /// The names of a plain-text listing.
    var lines: [String] { body.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
}

/// A timestamp `seconds` after 1,700,000,000 in Swift's form.
func ts(_ seconds: Double) -> String { SwiftTimestamp(seconds: 1_700_000_000 + seconds)!.internal }
