import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StratusKit
import StratusTestSupport
import XCTest

@testable import Placement

/// A throwaway Identity and Placement service pair for one test.
enum PlacementTestCloud {
    static func run(_ body: @Sendable (PlacementClient) async throws -> Void) async throws {
        try await ServiceTestHarness.run(databaseKeys: ["placement.database_url"]) { directory, config in
            let placement = try await PlacementService(
                dataDirectory: directory, config: config, publicURL: "http://127.0.0.1:8778",
                authURL: "http://127.0.0.1:5000", logger: ServiceTestHarness.logger)
            return (placement, { placement.makeRouter(tokenValidator: $0) }, { await placement.shutdown() })
        } _: { identity, client, service, _ in
            let admin = try await identity.adminToken()
            try await body(PlacementClient(identity: identity, client: client, service: service, adminToken: admin))
        }
    }
}

struct PlacementResponse: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var json: JSONValue?

    var error: JSONValue? { json?["errors"]?.arrayValue?.first }
    var code: String? { error?["code"]?.stringValue }
    var detail: String { error?["detail"]?.stringValue ?? "" }
    func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
}

struct PlacementClient: Sendable {
    let identity: TestIdentity
    let client: any TestClientProtocol
    let service: PlacementService
    let adminToken: String

    /// A request as the admin (or with `token`), at microversion `version` when given.
    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ path: String, version: String? = "latest", json: JSONValue? = nil,
        token: String? = nil, anonymous: Bool = false, headers extra: [String: String] = [:]
    ) async throws -> PlacementResponse {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.accept] = "application/json"
        if !anonymous { headers[HTTPField.Name("X-Auth-Token")!] = token ?? adminToken }
        if let version { headers[HTTPField.Name("OpenStack-API-Version")!] = "placement \(version)" }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        return try await client.execute(
            uri: path, method: method, headers: headers, body: json.map { ByteBuffer(data: $0.encodedData()) }
        ) { response in
            PlacementResponse(
                status: response.status, headers: response.headers,
                json: response.body.readableBytes > 0 ? try? JSONValue.parse(bytes: Array(response.body.readableBytesView)) : nil)
        }
    }

    /// Creates a provider (1.20 form) and returns its uuid.
    func provider(_ name: String, parent: String? = nil, uuid: String? = nil) async throws -> String {
        var body: [String: JSONValue] = ["name": .string(name)]
        if let parent { body["parent_provider_uuid"] = .string(parent) }
        if let uuid { body["uuid"] = .string(uuid) }
        let response = try await call(.post, "/resource_providers", json: .object(body))
        guard response.status == .ok, let created = response.json?["uuid"]?.stringValue else {
            throw TestFailure("create provider \(name): \(response.status) \(String(describing: response.json))")
        }
        return created
    }

    func generation(of provider: String) async throws -> Int64 {
        let response = try await call(.get, "/resource_providers/\(provider)")
        guard let generation = response.json?["generation"]?.intValue else { throw TestFailure("no provider \(provider)") }
        return generation
    }

    /// Replaces a provider's inventory; fails the test unless it is accepted.
    func setInventory(_ provider: String, _ inventories: JSONValue) async throws {
        let response = try await call(
            .put, "/resource_providers/\(provider)/inventories",
            json: ["resource_provider_generation": .int(try await generation(of: provider)), "inventories": inventories])
        guard response.status == .ok else {
            throw TestFailure("inventory of \(provider): \(response.status) \(String(describing: response.json))")
        }
    }

    /// Allocations for a consumer at 1.39 (new consumer unless `generation` is given).
    @discardableResult
    func allocate(
        _ consumer: String, _ allocations: [String: JSONValue], generation: Int64? = nil, project: String = "p1",
        user: String = "u1", type: String = "INSTANCE"
    ) async throws -> PlacementResponse {
        try await call(
            .put, "/allocations/\(consumer)",
            json: [
                "allocations": .object(allocations.mapValues { ["resources": $0] }), "project_id": .string(project),
                "user_id": .string(user), "consumer_generation": generation.map { .int($0) } ?? .null,
                "consumer_type": .string(type),
            ])
    }
}

/// `XCTAssertEqual` for a value that has to be awaited first.
func XCTAssertEqualAsync<T: Equatable>(
    _ expression: @autoclosure () async throws -> T, _ expected: T, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
) async rethrows {
    let value = try await expression()
    XCTAssertEqual(value, expected, message, file: file, line: line)
}
