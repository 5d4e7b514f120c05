import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import ServiceClients
import ServiceLifecycle
import StratusKit
import StratusTestSupport
import XCTest

@testable import BlockStorage

/// A `LiveCloud` plus the Block Storage service on an ephemeral port, with its real
/// backends (the service user's Image client, an in-process bus), its scheduler and one
/// volume agent over the real `file` driver (qemu-img) in the test's directory. Ready when
/// the agent has reported its pools; it also holds a public qcow2 image.
struct BlockStorageLiveCloud: Sendable {
    let cloud: LiveCloud
    let service: BlockStorageService
    /// `http://127.0.0.1:PORT`.
    let url: String
    let adminToken: String
    let adminProjectID: String
    /// A public, active qcow2 image (virtual size 64 MiB).
    let imageID: String
    let driver: FileVolumeDriver
    let workers: BlockStorageWorkers

    /// Two pools: `thin` (qcow2, 40 GiB, tier standard) and `thick` (raw, 10 GiB, tier gold).
    static let defaultPools = FilePool.defaults

    static func run(
        pools: [FilePool] = defaultPools, config extra: [String: String] = [:],
        _ body: @Sendable (BlockStorageLiveCloud) async throws -> Void
    ) async throws {
        try await LiveCloud.run(config: extra) { cloud in
            let logger = ServiceTestHarness.logger
            var values = extra
            let postgres = try await TestPostgresDatabase.create(prefix: "stratus_volume_live", logger: logger)
            if let postgres { values["block_storage.database_url"] = postgres.url }
            let config = StratusConfig(values: values)
            let backends = BlockStorageBackends(
                bus: TransportMessageBus(transport: InProcessTransport(), logger: logger),
                image: HTTPImageClient(session: cloud.session()))
            let service = try await BlockStorageService(
                dataDirectory: cloud.directory, config: config, publicURL: "http://127.0.0.1", authURL: cloud.identityURL,
                logger: logger, backends: backends)
            try await service.bootstrap()
            let driver = try FileVolumeDriver(root: cloud.directory + "/volumes", pools: pools)
            let workers = try service.makeWorkers(driver: driver)
            try await serveOnEphemeralPort(
                service.makeRouter(tokenValidator: cloud.identity.tokenValidator), alongside: workers.services, logger: logger,
                cleanUp: {
                    await service.shutdown()
                    await postgres?.drop(logger: logger)
                }
            ) { port in
                guard await workers.waitUntilRegistered() else { throw TestFailure("the volume service did not report its pools") }
                let admin = try await cloud.adminToken()
                let projects = try await cloud.call(.GET, cloud.identityURL + "/v3/projects?name=admin", token: admin)
                let adminProject = try XCTUnwrap(projects.json?["projects"]?.arrayValue?.first?["id"]?.stringValue)
                let imageID = try await Self.uploadImage(cloud, token: admin, directory: cloud.directory)
                try await body(
                    BlockStorageLiveCloud(
                        cloud: cloud, service: service, url: "http://127.0.0.1:\(port)", adminToken: admin,
                        adminProjectID: adminProject, imageID: imageID, driver: driver, workers: workers))
            }
        }
    }

    /// A public qcow2 image made with qemu-img (64 MiB virtual, a few KiB of data); its id once active.
    private static func uploadImage(_ cloud: LiveCloud, token: String, directory: String) async throws -> String {
        let path = directory + "/test-image.qcow2"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/qemu-img")
        process.arguments = ["create", "-q", "-f", "qcow2", path, "64M"]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("qemu-img create failed") }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let created = try await cloud.call(
            .POST, cloud.imageURL + "/v2/images", token: token,
            json: ["name": "tiny-qcow2", "disk_format": "qcow2", "container_format": "bare", "visibility": "public"])
        guard created.status == 201, let id = created.json?["id"]?.stringValue else {
            throw TestFailure("create image: \(created.status) \(String(describing: created.json))")
        }
        var request = HTTPClientRequest(url: cloud.imageURL + "/v2/images/\(id)/file")
        request.method = .PUT
        request.headers.add(name: "X-Auth-Token", value: token)
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = .bytes(ByteBuffer(bytes: [UInt8](data)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 20)
        guard response.status.code == 204 else { throw TestFailure("upload image: \(response.status)") }
        return id
    }

    // MARK: - API calls

    /// `METHOD /v3/{project}/PATH` with the token (admin's by default) and microversion.
    func call(
        _ method: HTTPMethod, _ path: String, token: String? = nil, project: String? = nil, json: JSONValue? = nil,
        version: String? = "3.70"
    ) async throws -> LiveCloud.Answer {
        var headers: [String: String] = [:]
        if let version { headers["OpenStack-API-Version"] = "volume \(version)" }
        return try await cloud.call(
            method, url + "/v3/" + (project ?? adminProjectID) + path, token: token ?? adminToken, json: json,
            headers: headers)
    }

    /// Polls the volume until its status is `status` (or one that cannot change into it).
    func waitForVolume(
        _ id: String, status: String, token: String? = nil, project: String? = nil, timeout: Duration = .seconds(30)
    ) async throws -> JSONValue {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var last: JSONValue?
        while clock.now < deadline {
            let answer = try await call(.GET, "/volumes/\(id)", token: token, project: project)
            last = answer.json?["volume"]
            if last?["status"]?.stringValue == status { return last! }
            if status != "error", last?["status"]?.stringValue == "error" { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("volume \(id) did not become \(status): \(String(describing: last))")
    }

    /// Polls until GET answers 404.
    func waitForVolumeGone(_ id: String, timeout: Duration = .seconds(30)) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            if try await call(.GET, "/volumes/\(id)").status == 404 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("volume \(id) was not deleted")
    }

    /// Creates a volume and waits until it is available; returns its body.
    func createVolume(_ body: JSONValue, token: String? = nil, project: String? = nil) async throws -> JSONValue {
        let answer = try await call(.POST, "/volumes", token: token, project: project, json: ["volume": body])
        guard answer.status == 202, let id = answer.json?["volume"]?["id"]?.stringValue else {
            throw TestFailure("create volume: \(answer.status) \(String(describing: answer.json))")
        }
        return try await waitForVolume(id, status: "available", token: token, project: project)
    }
}
