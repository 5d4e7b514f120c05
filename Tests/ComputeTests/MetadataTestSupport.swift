import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import StratusKit
import StratusTestSupport
import XCTest

@testable import Compute

/// The metadata API of a `ComputeLiveCloud` on an ephemeral port, and requests to it as
/// Neutron's metadata proxy makes them (signed with the shared secret).
struct MetadataTestService: Sendable {
    let url: String
    let secret: String

    /// One answer: status, content type and body.
    struct Reply: Sendable {
        var status: Int
        var contentType: String?
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: JSONValue? { try? JSONValue.parse(bytes: body) }
        var lines: [String] { text.split(separator: "\n").map(String.init) }
    }

    /// Runs `body` with the metadata API of `cloud` listening.
    static func run(_ cloud: ComputeLiveCloud, _ body: @Sendable (MetadataTestService) async throws -> Void) async throws {
        let (bound, continuation) = AsyncStream<Int>.makeStream()
        let application = Application(
            router: cloud.compute.makeMetadataRouter(),
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: ServiceTestHarness.logger)
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: application)], gracefulShutdownSignals: [], logger: ServiceTestHarness.logger))
        let running = Task { try await group.run() }
        var port = 0
        for await value in bound {
            port = value
            break
        }
        var failure: (any Error)?
        do {
            try await body(MetadataTestService(url: "http://127.0.0.1:\(port)", secret: cloud.compute.metadataSettings.proxySharedSecret))
        } catch {
            failure = error
        }
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        if let failure { throw failure }
    }

    /// A request with exactly the given headers.
    func request(_ method: HTTPMethod = .GET, _ path: String, headers: [String: String] = [:], body: [UInt8]? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: url + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = Array(buffer: try await response.body.collect(upTo: 1 << 20))
        return Reply(status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type"), body: bytes)
    }

    /// The headers Neutron's metadata proxy sends for a server, signed with the secret.
    func signedHeaders(instance: String, project: String) -> [String: String] {
        ["X-Instance-ID": instance, "X-Tenant-ID": project, "X-Instance-ID-Signature": MetadataRequester.sign(instance, secret: secret)]
    }

    /// A request for a server, as the proxy signs it.
    func get(_ path: String, instance: String, project: String) async throws -> Reply {
        try await request(.GET, path, headers: signedHeaders(instance: instance, project: project))
    }
}

extension ComputeLiveCloud {
    /// The spec the server's guest was spawned from on its host.
    func guestSpec(of id: String) async throws -> GuestSpec {
        let server = try await server(id)
        let host = try XCTUnwrap(server["OS-EXT-SRV-ATTR:host"]?.stringValue)
        return try await XCTUnwrapAsync(try await fakeDriver(host: host).spec(of: id))
    }

    /// The admin's project id.
    func adminProjectID() async throws -> String {
        try await XCTUnwrapAsync(
            try await cloud.call(.GET, cloud.identityURL + "/v3/projects?name=admin", token: adminToken)
                .json?["projects"]?.arrayValue?.first?["id"]?.stringValue)
    }
}
