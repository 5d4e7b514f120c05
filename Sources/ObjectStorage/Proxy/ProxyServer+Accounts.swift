import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import StratusKit

/// Accounts: listings and metadata. An account is created on first use (Swift's
/// `account_autocreate`, as with Keystone): until then it reads as empty.
extension ProxyServer {
    func accountNodes(_ account: String) throws -> (partition: Int, nodes: [RingDevice]) {
        let partition = try rings.account.partition(account: account)
        return (partition, rings.account.primaryNodes(partition: partition))
    }

    func handleAccount(_ request: Request, account: String) async throws -> Response {
        switch request.method {
        case .get, .head:
            let partition = try rings.account.partition(account: account)
            let answer = await replicas.read(
                request.method == .head ? .HEAD : .GET, ring: rings.account, partition: partition,
                path: { BackendClient.path(device: $0.device, partition: partition, account: account) },
                headers: ProxyHeaders.toBackend(request.headers), query: request.uri.query)
            if answer.status == 404 { return emptyAccount(request) }
            return relay(answer, method: request.method)
        case .post:
            defer { infoCache.invalidate(InfoCache.key(account: account)) }
            try await ensureAccount(account)
            let (partition, nodes) = try accountNodes(account)
            var headers = ProxyHeaders.toBackend(request.headers)
            headers.replaceOrAdd(name: "X-Timestamp", value: Self.timestamp())
            let answers = await replicas.writeAll(
                .POST, nodes: nodes.map { ($0, BackendClient.path(device: $0.device, partition: partition, account: account), headers) })
            return quorumResponse(answers, replicas: nodes.count)
        default:
            // Swift refuses account PUT and DELETE unless `allow_account_management` is on.
            return ProxyErrors.response(.methodNotAllowed, detail: "The method is not allowed for this resource.")
        }
    }

    /// What an account never written answers: no containers, no objects.
    func emptyAccount(_ request: Request) -> Response {
        var fields = HTTPFields()
        for name in ["X-Account-Container-Count", "X-Account-Object-Count", "X-Account-Bytes-Used"] {
            fields[HTTPField.Name(name)!] = "0"
        }
        fields[HTTPField.Name("X-Timestamp")!] = Self.timestamp()
        let format = request.uri.queryParameters.get("format") ?? ""
        let wantsJSON = format == "json" || (format.isEmpty && (request.headers[.accept] ?? "").contains("application/json"))
        if request.method == .get, wantsJSON {
            fields[.contentType] = "application/json; charset=utf-8"
            fields[.contentLength] = "2"
            return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(string: "[]")))
        }
        fields[.contentType] = "text/plain; charset=utf-8"
        fields[.contentLength] = "0"
        return Response(status: .noContent, headers: fields, body: .init())
    }

    /// Creates the account on its servers when none has it yet.
    func ensureAccount(_ account: String) async throws {
        guard try await accountHeaders(account: account) == nil else { return }
        defer { infoCache.invalidate(InfoCache.key(account: account)) }
        let (partition, nodes) = try accountNodes(account)
        var headers = HTTPHeaders()
        headers.add(name: "X-Timestamp", value: Self.timestamp())
        let answers = await replicas.writeAll(
            .PUT, nodes: nodes.map { ($0, BackendClient.path(device: $0.device, partition: partition, account: account), headers) })
        guard (200..<300).contains(ReplicaIO.bestStatus(answers, replicas: nodes.count)) else {
            throw APIError(.serviceUnavailable, "Could not create the account on a quorum of its servers.")
        }
    }
}
