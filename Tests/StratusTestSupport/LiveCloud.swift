import AsyncHTTPClient
import Foundation
import Hummingbird
import Identity
import Image
import Logging
import NIOCore
import NIOHTTP1
import Networking
import Placement
import ServiceClients
import ServiceLifecycle
import StratusKit
import Synchronization

/// The real Identity, Placement, Network and Image services, each listening on an ephemeral
/// port of 127.0.0.1 and registered in the catalog, with the service user `nova`, for one test
/// (on SQLite in a temporary directory, or on a fresh PostgreSQL database when
/// `STRATUS_TEST_DATABASE_URL` is set).
public struct LiveCloud: Sendable {
    public static let serviceUser = "nova"
    public static let servicePassword = "nova-service-secret"

    public let identity: IdentityService
    public let identityURL: String
    public let placementURL: String
    public let networkURL: String
    public let imageURL: String
    public let directory: String
    /// The Network service itself, for wiring what `stratus up` wires (its events to Compute).
    public let network: NetworkService

    public var credentials: ServiceCredentials {
        ServiceCredentials(
            authURL: identityURL + "/v3", userName: Self.serviceUser, password: Self.servicePassword, projectName: "service",
            region: "RegionOne")
    }

    public func session(overrides: [String: String] = [:]) -> ServiceSession {
        ServiceSession(credentials: credentials, endpointOverrides: overrides)
    }

    /// - Parameter extra: configuration values on top of the test defaults.
    public static func run(config extra: [String: String] = [:], _ body: @Sendable (LiveCloud) async throws -> Void) async throws {
        let logger = ServiceTestHarness.logger
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stratus-clients-\(IDGenerator.hex())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var values = ["identity.password_hash_rounds": "4"]
        let postgres = try await TestPostgresDatabase.create(prefix: "stratus_clients_test", logger: logger)
        if let postgres {
            for service in ["identity", "placement", "network", "image"] { values["\(service).database_url"] = postgres.url }
        }
        values.merge(extra) { _, new in new }
        let config = StratusConfig(values: values)
        let placeholder = "http://127.0.0.1"
        let identity = try await IdentityService(dataDirectory: directory, config: config, publicURL: placeholder, logger: logger)
        let placement = try await PlacementService(
            dataDirectory: directory, config: config, publicURL: placeholder, authURL: placeholder, logger: logger)
        let network = try await NetworkService(
            dataDirectory: directory, config: config, publicURL: placeholder, authURL: placeholder, logger: logger)
        let image = try await ImageService(
            dataDirectory: directory, config: config, publicURL: placeholder, authURL: placeholder, logger: logger)
        let shutdownServices: @Sendable () async -> Void = {
            await image.shutdown()
            await network.shutdown()
            await placement.shutdown()
            await identity.shutdown()
            await postgres?.drop(logger: logger)
        }

        let routers: [(String, Router<StratusRequestContext>)] = [
            ("identity", identity.makeRouter()),
            ("placement", placement.makeRouter(tokenValidator: identity.tokenValidator)),
            ("network", network.makeRouter(tokenValidator: identity.tokenValidator)),
            ("image", image.makeRouter(tokenValidator: identity.tokenValidator)),
        ]
        let (bound, boundContinuation) = AsyncStream<(String, Int)>.makeStream()
        let applications = routers.map { name, router in
            Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
                onServerRunning: { channel in boundContinuation.yield((name, channel.localAddress?.port ?? 0)) },
                logger: logger)
        }
        let group = ServiceGroup(
            configuration: .init(services: applications.map { .init(service: $0) }, gracefulShutdownSignals: [], logger: logger))
        let running = Task { try await group.run() }

        var failure: (any Error)?
        do {
            var ports: [String: Int] = [:]
            for await (name, port) in bound {
                ports[name] = port
                if ports.count == routers.count { break }
            }
            func url(_ name: String) -> String { "http://127.0.0.1:\(ports[name] ?? 0)" }
            _ = try await identity.bootstrap(
                adminPassword: ServiceTestHarness.adminPassword, region: "RegionOne",
                services: [
                    CatalogRegistration(type: "identity", name: "keystone", url: url("identity") + "/v3"),
                    CatalogRegistration(type: "placement", name: "placement", url: url("placement")),
                    CatalogRegistration(type: "network", name: "neutron", url: url("network")),
                    CatalogRegistration(type: "image", name: "glance", url: url("image")),
                ])
            try await identity.ensureServiceUser(name: serviceUser, password: servicePassword)
            try await body(
                LiveCloud(
                    identity: identity, identityURL: url("identity"), placementURL: url("placement"),
                    networkURL: url("network"), imageURL: url("image"), directory: directory, network: network))
        } catch {
            failure = error
        }
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        await shutdownServices()
        if let failure { throw failure }
    }

    // MARK: - direct API calls, for setting up and checking what the clients did

    public struct Answer: Sendable {
        public var status: Int
        public var headers: HTTPHeaders
        public var json: JSONValue?
    }

    /// One request straight to a service (no client, no session).
    public func call(
        _ method: HTTPMethod, _ url: String, token: String?, json: JSONValue? = nil, headers extra: [String: String] = [:]
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "X-Auth-Token", value: token) }
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in extra { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: json.serialized()))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = Array(buffer: try await response.body.collect(upTo: 16 << 20))
        return Answer(
            status: Int(response.status.code), headers: response.headers,
            json: bytes.isEmpty ? nil : try? JSONValue.parse(bytes: bytes))
    }

    public func token(user: String, password: String, project: String) async throws -> String {
        let body: JSONValue = [
            "auth": [
                "identity": [
                    "methods": ["password"],
                    "password": ["user": ["name": .string(user), "domain": ["id": "default"], "password": .string(password)]],
                ],
                "scope": ["project": ["name": .string(project), "domain": ["id": "default"]]],
            ]
        ]
        let answer = try await call(.POST, identityURL + "/v3/auth/tokens", token: nil, json: body)
        guard answer.status == 201, let token = answer.headers.first(name: "X-Subject-Token") else {
            throw TestFailure("token for \(user): \(answer.status) \(String(describing: answer.json))")
        }
        return token
    }

    public func adminToken() async throws -> String {
        try await token(user: "admin", password: ServiceTestHarness.adminPassword, project: "admin")
    }

    /// A new project; returns its id.
    public func project(_ name: String) async throws -> String {
        let answer = try await call(
            .POST, identityURL + "/v3/projects", token: try await adminToken(),
            json: ["project": ["name": .string(name), "domain_id": "default"]])
        guard answer.status == 201, let id = answer.json?["project"]?["id"]?.stringValue else {
            throw TestFailure("create project \(name): \(answer.status) \(String(describing: answer.json))")
        }
        return id
    }

    /// Creates `{"<key>": body}` at `url` as the admin; returns the created resource.
    public func create(_ url: String, _ key: String, _ body: JSONValue) async throws -> JSONValue {
        let answer = try await call(.POST, url, token: try await adminToken(), json: [key: body])
        guard answer.status == 201, let created = answer.json?[key] else {
            throw TestFailure("create \(url): \(answer.status) \(String(describing: answer.json))")
        }
        return created
    }

    /// A new user `name` (password `secret-pw`) holding `role` on the project `projectID`;
    /// returns a token scoped to that project.
    public func user(_ name: String, projectID: String, role: String) async throws -> String {
        let admin = try await adminToken()
        let user = try await create(
            identityURL + "/v3/users", "user", ["name": .string(name), "password": "secret-pw", "domain_id": "default"])
        guard let userID = user["id"]?.stringValue else { throw TestFailure("user \(name) has no id") }
        let roles = try await call(.GET, identityURL + "/v3/roles?name=\(role)", token: admin)
        guard let roleID = roles.json?["roles"]?.arrayValue?.first?["id"]?.stringValue else { throw TestFailure("no role \(role)") }
        let granted = try await call(.PUT, identityURL + "/v3/projects/\(projectID)/users/\(userID)/roles/\(roleID)", token: admin)
        guard granted.status == 204 else { throw TestFailure("grant \(role) to \(name): \(granted.status)") }
        let body: JSONValue = [
            "auth": [
                "identity": [
                    "methods": ["password"],
                    "password": ["user": ["id": .string(userID), "password": "secret-pw"]],
                ],
                "scope": ["project": ["id": .string(projectID)]],
            ]
        ]
        let answer = try await call(.POST, identityURL + "/v3/auth/tokens", token: nil, json: body)
        guard answer.status == 201, let token = answer.headers.first(name: "X-Subject-Token") else {
            throw TestFailure("token for \(name): \(answer.status) \(String(describing: answer.json))")
        }
        return token
    }
}
