import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StratusKit
import StratusTestSupport

@testable import Networking

/// A throwaway Identity and Network service pair for one test.
enum NetworkTestCloud {
    static func run(config: [String: String] = [:], _ body: @Sendable (NetworkClient) async throws -> Void) async throws {
        try await ServiceTestHarness.run(config: config, databaseKeys: ["network.database_url"]) { directory, config in
            let network = try await NetworkService(
                dataDirectory: directory, config: config, publicURL: "http://127.0.0.1:9696",
                authURL: "http://127.0.0.1:5000", logger: ServiceTestHarness.logger)
            return (network, { network.makeRouter(tokenValidator: $0) }, { await network.shutdown() })
        } _: { identity, client, service, _ in
            try await body(NetworkClient(identity: identity, client: client, service: service))
        }
    }
}

struct NetworkResponse: Sendable {
    var status: HTTPResponse.Status
    var json: JSONValue?
    var type: String? { json?["NeutronError"]?["type"]?.stringValue }
}

struct NetworkClient: Sendable {
    let identity: TestIdentity
    let client: any TestClientProtocol
    let service: NetworkService

    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ path: String, token: String?, json: JSONValue? = nil, headers extra: [String: String] = [:]
    ) async throws -> NetworkResponse {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let token { headers[HTTPField.Name("X-Auth-Token")!] = token }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        return try await client.execute(
            uri: path, method: method, headers: headers, body: json.map { ByteBuffer(data: $0.encodedData()) }
        ) { response in
            NetworkResponse(
                status: response.status,
                json: response.body.readableBytes > 0 ? try? JSONValue.parse(bytes: Array(response.body.readableBytesView)) : nil)
        }
    }

    /// Creates `{"<key>": body}` at `path`; fails the test unless the answer is 201.
    func create(_ path: String, _ key: String, _ body: JSONValue, token: String) async throws -> JSONValue {
        let response = try await call(.post, path, token: token, json: [key: body])
        guard response.status == .created, let created = response.json?[key] else {
            throw TestFailure("create \(path): \(response.status) \(String(describing: response.json))")
        }
        return created
    }
}
