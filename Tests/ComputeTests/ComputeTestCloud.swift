import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StratusKit
import StratusTestSupport
import XCTest

@testable import Compute

/// A throwaway Identity and Compute service pair for one test, with the default flavors seeded.
enum ComputeTestCloud {
    static func run(_ body: @Sendable (ComputeClient) async throws -> Void) async throws {
        try await ServiceTestHarness.run(databaseKeys: ["compute.database_url"]) { directory, config in
            let compute = try await ComputeService(
                dataDirectory: directory, config: config, publicURL: "http://127.0.0.1:8774",
                authURL: "http://127.0.0.1:5000", logger: ServiceTestHarness.logger)
            try await compute.bootstrap()
            return (compute, { compute.makeRouter(tokenValidator: $0) }, { await compute.shutdown() })
        } _: { identity, client, service, _ in
            let admin = try await identity.adminToken()
            try await body(ComputeClient(identity: identity, client: client, service: service, adminToken: admin))
        }
    }
}

struct ComputeResponse: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var json: JSONValue?

    /// The fault's name, code and message of a Nova error body.
    var faultName: String? { json?.objectValue?.keys.first }
    var faultCode: Int64? { faultName.flatMap { json?[$0]?["code"]?.intValue } }
    var message: String { faultName.flatMap { json?[$0]?["message"]?.stringValue } ?? "" }
    func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
}

struct ComputeClient: Sendable {
    let identity: TestIdentity
    let client: any TestClientProtocol
    let service: ComputeService
    let adminToken: String

    /// A request as the admin (or with `token`), at microversion `version` when given.
    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ path: String, version: String? = "latest", json: JSONValue? = nil,
        token: String? = nil, anonymous: Bool = false, headers extra: [String: String] = [:]
    ) async throws -> ComputeResponse {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.accept] = "application/json"
        if !anonymous { headers[HTTPField.Name("X-Auth-Token")!] = token ?? adminToken }
        if let version { headers[HTTPField.Name("OpenStack-API-Version")!] = "compute \(version)" }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        return try await client.execute(
            uri: path, method: method, headers: headers, body: json.map { ByteBuffer(data: $0.encodedData()) }
        ) { response in
            ComputeResponse(
                status: response.status, headers: response.headers,
                json: response.body.readableBytes > 0 ? try? JSONValue.parse(bytes: Array(response.body.readableBytesView)) : nil)
        }
    }

    /// Creates a flavor as the admin; fails the test unless it is accepted.
    @discardableResult
    func flavor(
        _ name: String, id: String? = nil, ram: Int64 = 256, vcpus: Int64 = 1, disk: Int64 = 1, isPublic: Bool = true
    ) async throws -> JSONValue {
        var body: [String: JSONValue] = [
            "name": .string(name), "ram": .int(ram), "vcpus": .int(vcpus), "disk": .int(disk),
            "os-flavor-access:is_public": .bool(isPublic),
        ]
        if let id { body["id"] = .string(id) }
        let response = try await call(.post, "/v2.1/flavors", json: ["flavor": .object(body)])
        guard response.status == .ok, let flavor = response.json?["flavor"] else {
            throw TestFailure("create flavor \(name): \(response.status) \(String(describing: response.json))")
        }
        return flavor
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
