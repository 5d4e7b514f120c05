import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import Networking
import ServiceClients
import ServiceLifecycle
import StratusKit
import StratusTestSupport
import XCTest

@testable import Compute

/// A `LiveCloud` plus the Compute service on an ephemeral port, with its real backends (the
/// `nova` service user's clients of Image, Network and Placement, an in-process message bus)
/// and its workers: the conductor, the scheduler and one agent per fake host. Ready when
/// every host has registered with Placement; it also holds a public image and a shared
/// network, so a test can boot at once.
struct ComputeLiveCloud: Sendable {
    let cloud: LiveCloud
    /// The Compute service itself, for tests that reach behind the API.
    let compute: ComputeService
    let computeURL: String
    let adminToken: String
    /// A public, active image of one MiB.
    let imageID: String
    /// A shared network with one IPv4 subnet (192.0.2.0/24).
    let networkID: String
    /// The conductor, scheduler and agents (with their fake drivers).
    let workers: ComputeWorkers
    /// Each host's fake hypervisor, for tests that act behind the cloud's back.
    let drivers: [String: FakeVirtDriver]

    /// - Parameters:
    ///   - hosts: how many fake compute hosts (`compute1` … `computeN`).
    ///   - faults: the fake driver's injected faults on every host (`spawn=fail*1`).
    ///   - hostFaults: faults for single hosts (host name → plan), replacing `faults` there.
    ///   - config: extra configuration values.
    ///   - volumes: the Block Storage client Compute uses (none: the cloud has no Block Storage).
    static func run(
        hosts: Int = 2, faults: String? = nil, hostFaults: [String: String] = [:], config extra: [String: String] = [:],
        volumes: (any VolumeClient)? = nil, _ body: @Sendable (ComputeLiveCloud) async throws -> Void
    ) async throws {
        try await LiveCloud.run(config: extra) { cloud in
            let logger = ServiceTestHarness.logger
            var values = extra
            values["identity.password_hash_rounds"] = "4"
            // Compute's tables share names with other services' (services, quotas): its own database.
            let postgres = try await TestPostgresDatabase.create(prefix: "stratus_compute_live", logger: logger)
            if let postgres { values["compute.database_url"] = postgres.url }
            let config = StratusConfig(values: values)
            let session = cloud.session()
            let backends = ComputeBackends(
                bus: TransportMessageBus(transport: InProcessTransport(), logger: logger),
                image: HTTPImageClient(session: session), network: HTTPNetworkClient(session: session),
                placement: HTTPPlacementClient(session: session), volume: volumes)
            let compute = try await ComputeService(
                dataDirectory: cloud.directory, config: config, publicURL: "http://127.0.0.1", authURL: cloud.identityURL,
                logger: logger, backends: backends)
            try await compute.bootstrap()
            let workers = try compute.makeWorkers(plan: ComputeHostPlan(driver: "fake", fakeHosts: hosts, fakeFaults: faults))
            var drivers: [String: FakeVirtDriver] = [:]
            for agent in workers.agents {
                if let driver = agent.driver as? FakeVirtDriver { drivers[agent.host] = driver }
            }
            for agent in workers.agents {
                guard let plan = hostFaults[agent.host] else { continue }
                guard let driver = agent.driver as? FakeVirtDriver else { throw TestFailure("\(agent.host) has no fake driver") }
                await driver.setFaults(try FakeDriverFaultPlan(parsing: plan))
            }
            try await serveOnEphemeralPort(
                compute.makeRouter(tokenValidator: cloud.identity.tokenValidator), alongside: workers.services, logger: logger,
                cleanUp: {
                    await compute.shutdown()
                    await postgres?.drop(logger: logger)
                }
            ) { port in
                guard await workers.waitUntilRegistered() else { throw TestFailure("the compute hosts did not register") }
                let admin = try await cloud.adminToken()
                let adminProject = try await XCTUnwrapAsync(
                    try await cloud.call(.GET, cloud.identityURL + "/v3/projects?name=admin", token: admin)
                        .json?["projects"]?.arrayValue?.first?["id"]?.stringValue)
                let imageID = try await Self.uploadImage(cloud, token: admin)
                let network = try await cloud.create(
                    cloud.networkURL + "/v2.0/networks", "network",
                    ["name": "shared-net", "shared": true, "project_id": .string(adminProject)])
                let networkID = try XCTUnwrap(network["id"]?.stringValue)
                _ = try await cloud.create(
                    cloud.networkURL + "/v2.0/subnets", "subnet",
                    ["network_id": .string(networkID), "ip_version": 4, "cidr": "192.0.2.0/24", "project_id": .string(adminProject)])
                let computeURL = "http://127.0.0.1:\(port)"
                cloud.network.notifyCompute(
                    through: TestPortEvents(
                        client: HTTPComputeEventClient(session: cloud.session(overrides: ["compute": computeURL + "/v2.1"]))))
                try await body(
                    ComputeLiveCloud(
                        cloud: cloud, compute: compute, computeURL: "http://127.0.0.1:\(port)", adminToken: admin, imageID: imageID,
                        networkID: networkID, workers: workers, drivers: drivers))
            }
        }
    }

    /// A public raw image with one MiB of data, made by the admin; returns its id once active.
    private static func uploadImage(_ cloud: LiveCloud, token: String) async throws -> String {
        let created = try await cloud.call(
            .POST, cloud.imageURL + "/v2/images", token: token,
            json: ["name": "tiny", "disk_format": "raw", "container_format": "bare", "visibility": "public"])
        guard created.status == 201, let id = created.json?["id"]?.stringValue else {
            throw TestFailure("create image: \(created.status) \(String(describing: created.json))")
        }
        var request = HTTPClientRequest(url: cloud.imageURL + "/v2/images/\(id)/file")
        request.method = .PUT
        request.headers.add(name: "X-Auth-Token", value: token)
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = .bytes(ByteBuffer(bytes: [UInt8](repeating: 7, count: 1 << 20)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        guard response.status.code == 204 else { throw TestFailure("upload image: \(response.status)") }
        return id
    }

    // MARK: - Compute API calls

    /// One Compute API request, as the admin unless `token` is given, at microversion `version`.
    @discardableResult
    func compute(
        _ method: HTTPMethod, _ path: String, token: String? = nil, version: String? = "2.90", json: JSONValue? = nil
    ) async throws -> LiveCloud.Answer {
        var headers: [String: String] = [:]
        if let version { headers["OpenStack-API-Version"] = "compute \(version)" }
        return try await cloud.call(method, computeURL + "/v2.1" + path, token: token ?? adminToken, json: json, headers: headers)
    }

    /// Boots a server (m1.tiny unless `flavor` is given) on the shared network; returns its id.
    func createServer(
        _ name: String, token: String? = nil, flavor: String = "1", extra: [String: JSONValue] = [:]
    ) async throws -> String {
        let answer = try await requestServer(name, token: token, flavor: flavor, extra: extra)
        guard answer.status == 202, let id = answer.json?["server"]?["id"]?.stringValue else {
            throw TestFailure("create server \(name): \(answer.status) \(String(describing: answer.json))")
        }
        return id
    }

    /// The create request itself, whatever its answer.
    func requestServer(
        _ name: String, token: String? = nil, flavor: String = "1", extra: [String: JSONValue] = [:]
    ) async throws -> LiveCloud.Answer {
        var server: [String: JSONValue] = [
            "name": .string(name), "imageRef": .string(imageID), "flavorRef": .string(flavor),
            "networks": [["uuid": .string(networkID)]],
        ]
        server.merge(extra) { _, new in new }
        return try await compute(.POST, "/servers", token: token, json: ["server": .object(server)])
    }

    /// The server as the admin sees it (latest fields).
    func server(_ id: String) async throws -> JSONValue {
        let answer = try await compute(.GET, "/servers/\(id)")
        guard answer.status == 200, let server = answer.json?["server"] else {
            throw TestFailure("show server \(id): \(answer.status) \(String(describing: answer.json))")
        }
        return server
    }

    /// Polls until the server's status is `status` (and its task_state is empty), or fails
    /// after `timeout`; returns the server.
    @discardableResult
    func waitFor(_ id: String, status: String, timeout: Duration = .seconds(20)) async throws -> JSONValue {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var last: JSONValue = .null
        while clock.now < deadline {
            last = try await server(id)
            if last["status"]?.stringValue == status, last["OS-EXT-STS:task_state"]?.isNull ?? true { return last }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("server \(id) did not reach \(status); last: \(last["status"] ?? .null) \(last["fault"] ?? .null)")
    }

    /// Polls until the server is gone (404 to the admin).
    func waitUntilDeleted(_ id: String, timeout: Duration = .seconds(20)) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            if try await compute(.GET, "/servers/\(id)").status == 404 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("server \(id) was not deleted")
    }

    /// The fake driver of a host (`compute1` …).
    func fakeDriver(host: String) throws -> FakeVirtDriver {
        guard let driver = drivers[host] else {
            throw TestFailure("\(host) has no fake driver")
        }
        return driver
    }

    /// Posts one action; returns the answer.
    @discardableResult
    func action(_ id: String, _ body: JSONValue, token: String? = nil, version: String? = "2.90") async throws -> LiveCloud.Answer {
        try await compute(.POST, "/servers/\(id)/action", token: token, version: version, json: body)
    }

    // MARK: - the other services' views

    /// The ports Network holds for a device (a server).
    func ports(deviceID: String) async throws -> [JSONValue] {
        try await cloud.call(.GET, cloud.networkURL + "/v2.0/ports?device_id=\(deviceID)", token: adminToken)
            .json?["ports"]?.arrayValue ?? []
    }

    /// The Placement allocations of a consumer: resource provider uuid → resources.
    func allocations(consumer: String) async throws -> [String: [String: Int64]] {
        let answer = try await cloud.call(
            .GET, cloud.placementURL + "/allocations/\(consumer)", token: adminToken,
            headers: ["OpenStack-API-Version": "placement 1.28"])
        var result: [String: [String: Int64]] = [:]
        for (provider, value) in answer.json?["allocations"]?.objectValue ?? [:] {
            var resources: [String: Int64] = [:]
            for (name, amount) in value["resources"]?.objectValue ?? [:] { resources[name] = amount.intValue }
            result[provider] = resources
        }
        return result
    }

    /// The compute node's uuid (its resource provider) of a host.
    func providerUUID(host: String) async throws -> String? {
        let answer = try await cloud.call(
            .GET, cloud.placementURL + "/resource_providers?name=\(host)", token: adminToken,
            headers: ["OpenStack-API-Version": "placement 1.28"])
        return answer.json?["resource_providers"]?.arrayValue?.first?["uuid"]?.stringValue
    }

    /// The image as the admin sees it, or nil when it is gone.
    func image(_ id: String) async throws -> JSONValue? {
        let answer = try await cloud.call(.GET, cloud.imageURL + "/v2/images/\(id)", token: adminToken)
        return answer.status == 200 ? answer.json : nil
    }
}

/// Networking's port events to the test's Compute, as `stratus up` wires them.
private struct TestPortEvents: ServerPortEventSink {
    let client: HTTPComputeEventClient

    func portChanged(serverUUID: String, portID: String) async throws {
        try await client.networkChanged(serverUUID: serverUUID, portID: portID)
    }
}
