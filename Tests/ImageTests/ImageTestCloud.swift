import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import StratusKit
import StratusTestSupport

@testable import Identity
@testable import Image

/// A throwaway Identity and Image service pair for one test, in memory, in a temp data dir.
enum ImageTestCloud {
    static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }()

    static func run(config extra: [String: String] = [:], _ body: @Sendable (ImageClient) async throws -> Void)
        async throws
    {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stratus-image-test-\(IDGenerator.hex())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var values = ["identity.password_hash_rounds": "4"]
        let postgres = try await TestPostgresDatabase.create(prefix: "stratus_image_test", logger: logger)
        if let postgres {
            values["identity.database_url"] = postgres.url
            values["image.database_url"] = postgres.url
        }
        values.merge(extra) { _, new in new }
        let config = StratusConfig(values: values)
        let identity = try await IdentityService(
            dataDirectory: directory, config: config, publicURL: "http://127.0.0.1:5000", logger: logger)
        let image = try await ImageService(
            dataDirectory: directory, config: config, publicURL: "http://127.0.0.1:9292", authURL: "http://127.0.0.1:5000",
            logger: logger)
        let state = try await identity.bootstrap(adminPassword: "admin-secret", services: [])
        do {
            try await Application(router: identity.makeRouter(), logger: logger).test(.router) { identityClient in
                let router = image.makeRouter(tokenValidator: identity.tokenValidator)
                try await Application(router: router, logger: logger).test(.router) { imageClient in
                    try await body(
                        ImageClient(
                            identity: identityClient, image: imageClient, service: image, dataDirectory: directory,
                            adminProjectID: state.adminProjectID))
                }
            }
        } catch {
            await image.shutdown()
            await identity.shutdown()
            if let postgres { await postgres.drop(logger: logger) }
            throw error
        }
        await image.shutdown()
        await identity.shutdown()
        if let postgres { await postgres.drop(logger: logger) }
    }
}

struct ImageResponse: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: [UInt8]
    var json: JSONValue? { body.isEmpty ? nil : try? JSONValue.parse(bytes: body) }
    func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { headers[$0] } }
}

/// A project with a member (or reader) user, and that user's token.
struct TestProject: Sendable {
    var id: String
    var token: String
}

struct ImageClient: Sendable {
    let identity: any TestClientProtocol
    let image: any TestClientProtocol
    let service: ImageService
    let dataDirectory: String
    let adminProjectID: String

    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ path: String, token: String?, json: JSONValue? = nil, bytes: [UInt8]? = nil,
        contentType: String? = nil, headers extra: [String: String] = [:]
    ) async throws -> ImageResponse {
        var headers = HTTPFields()
        headers[.accept] = "application/json"
        if let token { headers[HTTPField.Name("X-Auth-Token")!] = token }
        var buffer: ByteBuffer?
        if let json {
            headers[.contentType] = contentType ?? "application/json"
            buffer = ByteBuffer(data: json.encodedData())
        }
        if let bytes {
            headers[.contentType] = contentType ?? "application/octet-stream"
            buffer = ByteBuffer(bytes: bytes)
        }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        return try await image.execute(uri: path, method: method, headers: headers, body: buffer) { response in
            ImageResponse(status: response.status, headers: response.headers, body: Array(response.body.readableBytesView))
        }
    }

    private func identityCall(_ method: HTTPRequest.Method, _ path: String, token: String?, body: JSONValue) async throws
        -> (HTTPResponse.Status, HTTPFields, JSONValue?)
    {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let token { headers[HTTPField.Name("X-Auth-Token")!] = token }
        return try await identity.execute(uri: path, method: method, headers: headers, body: ByteBuffer(data: body.encodedData())) {
            ($0.status, $0.headers, $0.body.readableBytes > 0 ? try? JSONValue.parse(bytes: Array($0.body.readableBytesView)) : nil)
        }
    }

    func token(user: String, password: String, project: String) async throws -> String {
        let body: JSONValue = [
            "auth": [
                "identity": [
                    "methods": ["password"],
                    "password": ["user": ["name": .string(user), "domain": ["id": "default"], "password": .string(password)]],
                ],
                "scope": ["project": ["name": .string(project), "domain": ["id": "default"]]],
            ]
        ]
        let (status, headers, json) = try await identityCall(.post, "/v3/auth/tokens", token: nil, body: body)
        guard status == .created, let token = headers[HTTPField.Name("X-Subject-Token")!] else {
            throw TestFailure("token for \(user): \(status) \(String(describing: json))")
        }
        return token
    }

    /// A system-scoped admin token (no project).
    func systemToken() async throws -> String {
        let body: JSONValue = [
            "auth": [
                "identity": [
                    "methods": ["password"],
                    "password": ["user": ["name": "admin", "domain": ["id": "default"], "password": "admin-secret"]],
                ],
                "scope": ["system": ["all": true]],
            ]
        ]
        let (status, headers, json) = try await identityCall(.post, "/v3/auth/tokens", token: nil, body: body)
        guard status == .created, let token = headers[HTTPField.Name("X-Subject-Token")!] else {
            throw TestFailure("system token: \(status) \(String(describing: json))")
        }
        return token
    }

    func adminToken() async throws -> String { try await token(user: "admin", password: "admin-secret", project: "admin") }

    /// A new project with one user holding `role` on it.
    func project(_ name: String, role: String = "member") async throws -> TestProject {
        let admin = try await adminToken()
        func create(_ path: String, _ key: String, _ body: JSONValue) async throws -> String {
            let (status, _, json) = try await identityCall(.post, path, token: admin, body: [key: body])
            guard status == .created, let id = json?[key]?["id"]?.stringValue else {
                throw TestFailure("create \(path): \(status) \(String(describing: json))")
            }
            return id
        }
        let projectID = try await create("/v3/projects", "project", ["name": .string(name), "domain_id": "default"])
        let userID = try await create(
            "/v3/users", "user", ["name": .string(name + "-user"), "password": "secret-pw", "domain_id": "default"])
        let roles = try await identity.execute(
            uri: "/v3/roles?name=\(role)", method: .get, headers: [HTTPField.Name("X-Auth-Token")!: admin], body: nil
        ) { try JSONValue.parse(bytes: Array($0.body.readableBytesView)) }
        guard let roleID = roles["roles"]?.arrayValue?.first?["id"]?.stringValue else { throw TestFailure("no role \(role)") }
        _ = try await identity.execute(
            uri: "/v3/projects/\(projectID)/users/\(userID)/roles/\(roleID)", method: .put,
            headers: [HTTPField.Name("X-Auth-Token")!: admin], body: nil
        ) { _ in }
        return TestProject(id: projectID, token: try await token(user: name + "-user", password: "secret-pw", project: name))
    }

    /// Creates an image; fails the test unless the answer is 201.
    func createImage(_ body: JSONValue, token: String) async throws -> JSONValue {
        let response = try await call(.post, "/v2/images", token: token, json: body)
        guard response.status == .created, let json = response.json else {
            throw TestFailure("create image: \(response.status) \(String(decoding: response.body, as: UTF8.self))")
        }
        return json
    }

    func patch(_ id: String, _ operations: JSONValue, token: String) async throws -> ImageResponse {
        try await call(
            .patch, "/v2/images/\(id)", token: token, json: operations, contentType: "application/openstack-images-v2.1-json-patch")
    }

    /// Files in the file store (uploads in progress are never among them).
    func storedFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dataDirectory + "/images")) ?? []).sorted()
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum Digests {
    static func hex(_ digest: some Digest) -> String { digest.map { String(format: "%02x", $0) }.joined() }
    static func md5(_ bytes: [UInt8]) -> String { hex(Insecure.MD5.hash(data: bytes)) }
    static func sha512(_ bytes: [UInt8]) -> String { hex(SHA512.hash(data: bytes)) }
}

/// Minimal disk-image headers for tests.
enum SampleImages {
    static func bigEndian64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8((value >> (56 - 8 * UInt64($0))) & 0xff) } }
    static func bigEndian32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (24 - 8 * UInt32($0))) & 0xff) } }

    /// A qcow2 version-3 header of `virtualSize` bytes, optionally with a backing file.
    static func qcow2(virtualSize: UInt64, backingFile: String? = nil, length: Int = 4096) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: max(length, 512))
        let header: [UInt8] = [0x51, 0x46, 0x49, 0xfb] + bigEndian32(3)
        bytes.replaceSubrange(0..<8, with: header)
        if let backingFile {
            bytes.replaceSubrange(8..<16, with: bigEndian64(512))
            bytes.replaceSubrange(16..<20, with: bigEndian32(UInt32(backingFile.utf8.count)))
            bytes.replaceSubrange(512..<(512 + backingFile.utf8.count), with: Array(backingFile.utf8))
        }
        bytes.replaceSubrange(20..<24, with: bigEndian32(16))  // cluster_bits
        bytes.replaceSubrange(24..<32, with: bigEndian64(virtualSize))
        bytes.replaceSubrange(100..<104, with: bigEndian32(104))  // header_length
        return bytes
    }

    static func random(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
