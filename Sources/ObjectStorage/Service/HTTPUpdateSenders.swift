import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Object servers' container updates over HTTP (`PUT|DELETE /<device>/<partition>/<account>/<container>/<object>`
/// on the container server named by the proxy), as Swift's object server sends them.
struct HTTPContainerUpdateSender: ContainerUpdateSender {
    let client: BackendClient

    func send(_ update: ContainerUpdate, to target: ContainerUpdateTarget) async throws {
        var headers = HTTPHeaders()
        for (name, value) in update.headers { headers.add(name: name, value: value) }
        let path = "/" + [target.device, target.partition, update.account, update.container, update.object]
            .map(BackendClient.percentEncode).joined(separator: "/")
        let status = try await client.send(raw: HTTPMethod(rawValue: update.op), host: target.host, path: path, headers: headers)
        guard (200..<300).contains(status) else { throw ContainerUpdateRefused(status: status) }
    }
}

/// Container servers' account updates over HTTP (`PUT /<device>/<partition>/<account>/<container>`).
struct HTTPAccountUpdateSender: AccountUpdateSender {
    let client: BackendClient

    func send(_ update: AccountUpdate, to target: AccountUpdateTarget) async throws -> Int {
        var headers = HTTPHeaders()
        for (name, value) in update.headers { headers.add(name: name, value: value) }
        let path = "/" + [target.device, target.partition, update.account, update.container]
            .map(BackendClient.percentEncode).joined(separator: "/")
        return try await client.send(raw: .PUT, host: target.host, path: path, headers: headers)
    }
}

extension BackendClient {
    /// A bodiless request to `host` (`ip:port`) whose status is all that matters; throws
    /// when the server cannot be reached, so the caller can queue the update.
    func send(raw method: HTTPMethod, host: String, path: String, headers: HTTPHeaders) async throws -> Int {
        var request = HTTPClientRequest(url: "http://\(host)\(path)")
        request.method = method
        request.headers = headers
        let response = try await http.execute(request, timeout: nodeTimeout)
        _ = try? await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }
}
