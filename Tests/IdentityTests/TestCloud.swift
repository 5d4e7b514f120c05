import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import StratusKit
import StratusTestSupport

@testable import Identity

/// A throwaway Identity service for one test: a temp data dir and a fresh database —
/// SQLite by default, or a new PostgreSQL database when `STRATUS_TEST_DATABASE_URL`
/// names a server (the test script runs the suite both ways).
struct TestCloud: Sendable {
    let service: IdentityService
    let adminPassword = "admin-secret"
    let dataDirectory: String
    let config: StratusConfig
    private let postgresDatabase: TestPostgresDatabase?

    static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }()

    static func start(config extra: [String: String] = [:]) async throws -> TestCloud {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stratus-test-\(IDGenerator.hex())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var values = ["identity.password_hash_rounds": "4"]
        let postgres = try await TestPostgresDatabase.create(prefix: "stratus_test", logger: logger)
        if let postgres { values["identity.database_url"] = postgres.url }
        values.merge(extra) { _, new in new }
        let config = StratusConfig(values: values)
        let service = try await IdentityService(
            dataDirectory: directory, config: config, publicURL: "http://127.0.0.1:5000", logger: logger)
        let cloud = TestCloud(service: service, dataDirectory: directory, config: config, postgresDatabase: postgres)
        _ = try await service.bootstrap(
            adminPassword: cloud.adminPassword,
            services: [CatalogRegistration(type: "identity", name: "keystone", url: "http://127.0.0.1:5000/v3")])
        return cloud
    }

    func stop() async {
        await service.shutdown()
        try? FileManager.default.removeItem(atPath: dataDirectory)
        await postgresDatabase?.drop(logger: Self.logger)
    }

    /// Runs `body` against the API in memory, then tears the cloud down.
    static func run(config: [String: String] = [:], _ body: @Sendable (TestCloud, APIClient) async throws -> Void)
        async throws
    {
        let cloud = try await start(config: config)
        do {
            try await Application(router: cloud.service.makeRouter(), logger: Self.logger).test(.router) { client in
                try await body(cloud, APIClient(client: client, adminPassword: cloud.adminPassword))
            }
        } catch {
            await cloud.stop()
            throw error
        }
        await cloud.stop()
    }
}

/// A response: status, headers and parsed JSON body.
struct APIResponse: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var json: JSONValue?

    func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { headers[$0] } }
}

/// Calls the API the way a client does.
struct APIClient: Sendable {
    let client: any TestClientProtocol
    let adminPassword: String

    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ path: String, token: String? = nil, body: JSONValue? = nil, raw: String? = nil,
        headers extra: [String: String] = [:]
    ) async throws -> APIResponse {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let token { headers[HTTPField.Name("X-Auth-Token")!] = token }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        var buffer: ByteBuffer?
        if let body { buffer = ByteBuffer(data: body.encodedData()) }
        if let raw { buffer = ByteBuffer(string: raw) }
        return try await client.execute(uri: path, method: method, headers: headers, body: buffer) { response in
            let json = response.body.readableBytes > 0 ? try? JSONValue.parse(Data(response.body.readableBytesView)) : nil
            return APIResponse(status: response.status, headers: response.headers, json: json)
        }
    }

    static func passwordAuth(user: String, password: String, domain: String = "default", scope: JSONValue? = nil)
        -> JSONValue
    {
        var auth: [String: JSONValue] = [
            "identity": [
                "methods": ["password"],
                "password": ["user": ["name": .string(user), "domain": ["id": .string(domain)], "password": .string(password)]],
            ]
        ]
        if let scope { auth["scope"] = scope }
        return ["auth": .object(auth)]
    }

    static func projectScope(_ name: String) -> JSONValue {
        ["project": ["name": .string(name), "domain": ["id": "default"]]]
    }

    /// Issues a token; fails the test unless the answer is 201.
    func token(user: String, password: String, scope: JSONValue? = nil) async throws -> String {
        let response = try await call(.post, "/v3/auth/tokens", body: Self.passwordAuth(user: user, password: password, scope: scope))
        guard response.status == .created, let token = response.header("X-Subject-Token") else {
            throw TestFailure("token for \(user): \(response.status) \(String(describing: response.json))")
        }
        return token
    }

    func adminToken() async throws -> String {
        try await token(user: "admin", password: adminPassword, scope: Self.projectScope("admin"))
    }

    /// The id of the global role named `name`; fails the test when there is none.
    func roleID(_ name: String, token: String) async throws -> String {
        let roles = try await call(.get, "/v3/roles?name=\(name)", token: token).json?["roles"]?.arrayValue
        guard let id = roles?.first?["id"]?.stringValue else { throw TestFailure("no role \(name)") }
        return id
    }

    /// Creates a resource and returns its id; fails the test unless the answer is 201.
    func create(_ path: String, _ key: String, _ body: JSONValue, token: String) async throws -> String {
        let response = try await call(.post, path, token: token, body: [key: body])
        guard response.status == .created, let id = response.json?[key]?["id"]?.stringValue else {
            throw TestFailure("create \(path): \(response.status) \(String(describing: response.json))")
        }
        return id
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
