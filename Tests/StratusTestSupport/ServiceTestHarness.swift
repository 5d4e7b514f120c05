import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Logging
import StratusKit

/// Runs one test against a bootstrapped Identity service and the service under test, both
/// in memory, in a temporary data directory (and a fresh PostgreSQL database when
/// `STRATUS_TEST_DATABASE_URL` is set), then tears everything down.
public enum ServiceTestHarness {
    public static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }()

    public static let adminPassword = "admin-secret"

    /// - Parameters:
    ///   - databaseKeys: the config keys that point services at the test database.
    ///   - makeService: builds the service under test from the data directory and config;
    ///     returns it, its router (given the token validator) and how to shut it down.
    public static func run<Service: Sendable>(
        config extra: [String: String] = [:], databaseKeys: [String],
        makeService: (String, StratusConfig) async throws -> (
            service: Service, router: @Sendable (any TokenValidating) -> Router<StratusRequestContext>,
            shutdown: @Sendable () async -> Void
        ),
        _ body: @Sendable (TestIdentity, any TestClientProtocol, Service, String) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("stratus-test-\(IDGenerator.hex())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var values = ["identity.password_hash_rounds": "4"]
        let postgres = try await TestPostgresDatabase.create(prefix: "stratus_service_test", logger: logger)
        if let postgres { for key in ["identity.database_url"] + databaseKeys { values[key] = postgres.url } }
        values.merge(extra) { _, new in new }
        let config = StratusConfig(values: values)
        let identity = try await IdentityService(
            dataDirectory: directory, config: config, publicURL: "http://127.0.0.1:5000", logger: logger)
        let made: (service: Service, router: @Sendable (any TokenValidating) -> Router<StratusRequestContext>, shutdown: @Sendable () async -> Void)
        do {
            made = try await makeService(directory, config)
        } catch {
            await identity.shutdown()
            await postgres?.drop(logger: logger)
            throw error
        }
        var failure: (any Error)?
        do {
            _ = try await identity.bootstrap(adminPassword: adminPassword, services: [])
            try await Application(router: identity.makeRouter(), logger: logger).test(.router) { identityClient in
                try await Application(router: made.router(identity.tokenValidator), logger: logger).test(.router) { client in
                    try await body(TestIdentity(client: identityClient), client, made.service, directory)
                }
            }
        } catch {
            failure = error
        }
        await made.shutdown()
        await identity.shutdown()
        await postgres?.drop(logger: logger)
        if let failure { throw failure }
    }
}

/// A project with a user holding a role on it, and that user's token.
public struct TestProject: Sendable {
    public var id: String
    public var token: String
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Tokens, projects and users through the Identity API, for tests of other services.
public struct TestIdentity: Sendable {
    public let client: any TestClientProtocol

    func call(_ method: HTTPRequest.Method, _ path: String, token: String?, body: JSONValue?) async throws
        -> (HTTPResponse.Status, HTTPFields, JSONValue?)
    {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let token { headers[HTTPField.Name("X-Auth-Token")!] = token }
        let buffer = body.map { ByteBuffer(data: $0.encodedData()) }
        return try await client.execute(uri: path, method: method, headers: headers, body: buffer) {
            ($0.status, $0.headers, $0.body.readableBytes > 0 ? try? JSONValue.parse(bytes: Array($0.body.readableBytesView)) : nil)
        }
    }

    private func issue(_ user: String, _ password: String, scope: JSONValue) async throws -> String {
        let body: JSONValue = [
            "auth": [
                "identity": [
                    "methods": ["password"],
                    "password": ["user": ["name": .string(user), "domain": ["id": "default"], "password": .string(password)]],
                ],
                "scope": scope,
            ]
        ]
        let (status, headers, json) = try await call(.post, "/v3/auth/tokens", token: nil, body: body)
        guard status == .created, let token = headers[HTTPField.Name("X-Subject-Token")!] else {
            throw TestFailure("token for \(user): \(status) \(String(describing: json))")
        }
        return token
    }

    public func token(user: String, password: String, project: String) async throws -> String {
        try await issue(user, password, scope: ["project": ["name": .string(project), "domain": ["id": "default"]]])
    }

    public func adminToken() async throws -> String {
        try await token(user: "admin", password: ServiceTestHarness.adminPassword, project: "admin")
    }

    /// A system-scoped admin token (no project).
    public func systemToken() async throws -> String {
        try await issue("admin", ServiceTestHarness.adminPassword, scope: ["system": ["all": true]])
    }

    /// A new project with one user (`<name>-user`) holding `role` on it.
    public func project(_ name: String, role: String = "member") async throws -> TestProject {
        let admin = try await adminToken()
        func create(_ path: String, _ key: String, _ body: JSONValue) async throws -> String {
            let (status, _, json) = try await call(.post, path, token: admin, body: [key: body])
            guard status == .created, let id = json?[key]?["id"]?.stringValue else {
                throw TestFailure("create \(path): \(status) \(String(describing: json))")
            }
            return id
        }
        let projectID = try await create("/v3/projects", "project", ["name": .string(name), "domain_id": "default"])
        let userID = try await create(
            "/v3/users", "user", ["name": .string(name + "-user"), "password": "secret-pw", "domain_id": "default"])
        let (_, _, roles) = try await call(.get, "/v3/roles?name=\(role)", token: admin, body: nil)
        guard let roleID = roles?["roles"]?.arrayValue?.first?["id"]?.stringValue else { throw TestFailure("no role \(role)") }
        _ = try await call(.put, "/v3/projects/\(projectID)/users/\(userID)/roles/\(roleID)", token: admin, body: nil)
        return TestProject(id: projectID, token: try await token(user: name + "-user", password: "secret-pw", project: name))
    }
}
