import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import StratusKit
import _NIOFileSystem

extension ServiceCaller {
    /// GETs `path` and streams a 200's body into a new file at `path` (removed again when the
    /// transfer fails), so large data never sits whole in memory; a 401 renews the token once.
    func download(_ path: String, to file: String, timeout: TimeAmount) async throws {
        let endpoint = try await session.endpoint(type: serviceType)
        var attempt = 0
        while true {
            attempt += 1
            let token = try await session.token()
            var request = HTTPClientRequest(url: endpoint + path)
            request.method = .GET
            request.headers.add(name: "X-Auth-Token", value: token)
            request.headers.add(name: "User-Agent", value: "stratus-service-client")
            for (name, value) in defaultHeaders { request.headers.add(name: name, value: value) }
            let answer: HTTPClientResponse
            do {
                answer = try await httpClient.execute(request, timeout: timeout)
            } catch {
                throw ServiceClientError(service: serviceName, status: 0, message: "GET \(endpoint + path): \(error)")
            }
            if answer.status.code == 401, attempt == 1 {
                await session.invalidate(token)
                continue
            }
            guard answer.status.code == 200 else {
                let body = try await answer.body.collect(upTo: 1 << 20)
                throw self.error(ServiceResponse(status: Int(answer.status.code), headers: answer.headers, body: Array(buffer: body)))
            }
            do {
                try await FileSystem.shared.withFileHandle(
                    forWritingAt: FilePath(file), options: .newFile(replaceExisting: true)
                ) { handle in
                    var writer = handle.bufferedWriter()
                    for try await chunk in answer.body { try await writer.write(contentsOf: chunk) }
                    try await writer.flush()
                }
            } catch {
                _ = try? await FileSystem.shared.removeItem(at: FilePath(file))
                throw ServiceClientError(service: serviceName, status: 0, message: "GET \(endpoint + path): \(error)")
            }
            return
        }
    }
}
