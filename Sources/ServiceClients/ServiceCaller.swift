import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import StratusKit

/// A service's answer: its status, headers and body (parsed when it is JSON).
struct ServiceResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    var json: JSONValue? { body.isEmpty ? nil : try? JSONValue.parse(bytes: body) }
}

/// Sends requests to one service with the session's token, to the endpoint the catalog
/// names for it; a 401 renews the token and sends the request once more.
struct ServiceCaller: Sendable {
    let session: ServiceSession
    let httpClient: HTTPClient
    /// The catalog type of the service, e.g. `placement`, `network`, `image`.
    let serviceType: String
    /// What errors call the service.
    let serviceName: String
    /// Headers every request carries, e.g. the microversion.
    var defaultHeaders: [(String, String)] = []
    /// Turns the catalog's URL into the one paths are appended to (e.g. drops the project
    /// segment of a Block Storage endpoint); nil: the URL as it is.
    var endpointRoot: (@Sendable (String) -> String)? = nil

    /// Sends `method path` (path relative to the endpoint, query included) with an optional
    /// JSON body and returns the response whatever its status; throws only when the service
    /// cannot be reached.
    ///
    /// With `token` (a user's, for a call made on their behalf) the request carries it
    /// instead of the session's, and a 401 is the answer: a user's token is not renewed here.
    func send(
        _ method: HTTPMethod, _ path: String, json: JSONValue? = nil, token userToken: String? = nil,
        timeout: TimeAmount = .seconds(60)
    ) async throws -> ServiceResponse {
        let bytes = json?.serialized()
        return try await send(
            method, path, contentType: bytes == nil ? nil : "application/json", token: userToken, timeout: timeout,
            body: { bytes.map { .bytes(ByteBuffer(bytes: $0)) } })
    }

    /// As above with a body made afresh for each attempt (a stream is read only once).
    func send(
        _ method: HTTPMethod, _ path: String, contentType: String?, token userToken: String? = nil, timeout: TimeAmount,
        body: @Sendable () async throws -> HTTPClientRequest.Body?
    ) async throws -> ServiceResponse {
        var endpoint = try await session.endpoint(type: serviceType)
        if let endpointRoot { endpoint = endpointRoot(endpoint) }
        var attempt = 0
        while true {
            attempt += 1
            let token: String
            if let userToken { token = userToken } else { token = try await session.token() }
            var request = HTTPClientRequest(url: endpoint + path)
            request.method = method
            request.headers.add(name: "X-Auth-Token", value: token)
            request.headers.add(name: "Accept", value: "application/json")
            request.headers.add(name: "User-Agent", value: "stratus-service-client")
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
            for (name, value) in defaultHeaders { request.headers.add(name: name, value: value) }
            request.body = try await body()
            let response: ServiceResponse
            do {
                let answer = try await httpClient.execute(request, timeout: timeout)
                let collected = try await answer.body.collect(upTo: 64 << 20)
                response = ServiceResponse(status: Int(answer.status.code), headers: answer.headers, body: Array(buffer: collected))
            } catch {
                throw ServiceClientError(service: serviceName, status: 0, message: "\(method) \(endpoint + path): \(error)")
            }
            if response.status == 401, attempt == 1, userToken == nil {
                await session.invalidate(token)
                continue
            }
            return response
        }
    }

    /// The response when its status is one of `expected`, else the service's error.
    func expect(_ response: ServiceResponse, _ expected: Int...) throws -> ServiceResponse {
        guard expected.contains(response.status) else { throw error(response) }
        return response
    }

    func error(_ response: ServiceResponse) -> ServiceClientError {
        ServiceClientError.response(service: serviceName, status: response.status, body: response.body)
    }

    /// The JSON body's value at `key`, or an error naming what was missing.
    func field(_ response: ServiceResponse, _ key: String) throws -> JSONValue {
        guard let value = response.json?[key] else {
            throw ServiceClientError(
                service: serviceName, status: response.status, message: "The response has no '\(key)'")
        }
        return value
    }

    /// Percent-encodes one path segment or query value.
    static func encode(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// `?a=1&b=2` from ordered pairs, each value encoded; empty when there are none.
    static func query(_ items: [(String, String)]) -> String {
        items.isEmpty ? "" : "?" + items.map { encode($0.0) + "=" + encode($0.1) }.joined(separator: "&")
    }
}
