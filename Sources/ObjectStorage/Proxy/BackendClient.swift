import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One answer of an account, container or object server to the proxy. The body is read
/// by whoever needs it: streamed to the client for a GET, collected for small answers.
struct BackendResponse: Sendable {
    let node: RingDevice
    let status: Int
    let headers: HTTPHeaders
    let body: HTTPClientResponse.Body?

    var isSuccess: Bool { (200..<300).contains(status) }

    /// The whole body, for answers known to be small (listings are bounded by `limit`).
    func collectBody(upTo limit: Int = 64 << 20) async throws -> ByteBuffer {
        guard let body else { return ByteBuffer() }
        return try await body.collect(upTo: limit)
    }
}

/// The proxy's HTTP client to the storage servers: `METHOD /<device>/<partition>/<path>`
/// on a ring node, with a connection timeout and a per-request timeout, as Swift's proxy
/// has `conn_timeout` and `node_timeout`.
final class BackendClient: Sendable {
    let http: HTTPClient
    let nodeTimeout: TimeAmount

    init(connectTimeout: TimeAmount = .milliseconds(500), nodeTimeout: TimeAmount = .seconds(10)) {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: connectTimeout, read: nodeTimeout)
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        configuration.decompression = .disabled
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.nodeTimeout = nodeTimeout
    }

    /// How long one streamed transfer may take in all.
    static let transferDeadline: TimeAmount = .hours(24)

    func shutdown() async {
        try? await http.shutdown()
    }

    /// The URL path of a resource on a node: `/<device>/<partition>/<account>[/<container>[/<object>]]`,
    /// each name percent-encoded.
    static func path(device: String, partition: Int, account: String, container: String? = nil, object: String? = nil)
        -> String
    {
        ([device, String(partition), account] + [container, object].compactMap { $0 })
            .map { "/" + percentEncode($0) }.joined()
    }

    static func percentEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    private static let unreserved: CharacterSet = {
        var set = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        set.insert(charactersIn: "-._~")
        return set
    }()

    /// Sends one request; a node that cannot be reached answers as a 503 with no body, so
    /// callers count it as a failed replica rather than failing the client's request.
    func send(
        _ method: HTTPMethod, to node: RingDevice, path: String, headers: HTTPHeaders,
        body: HTTPClientRequest.Body? = nil, query: String? = nil
    ) async -> BackendResponse {
        var request = HTTPClientRequest(url: "http://\(node.ip):\(node.port)\(path)\(query.map { "?" + $0 } ?? "")")
        request.method = method
        request.headers = headers
        if let body { request.body = body }
        do {
            // The node timeout bounds waiting for an answer (the client's read timeout), not
            // the whole exchange: a large upload streamed to the node may take minutes.
            let response = try await http.execute(request, timeout: body == nil ? nodeTimeout : Self.transferDeadline)
            return BackendResponse(node: node, status: Int(response.status.code), headers: response.headers, body: response.body)
        } catch {
            return BackendResponse(node: node, status: 503, headers: [:], body: nil)
        }
    }
}
