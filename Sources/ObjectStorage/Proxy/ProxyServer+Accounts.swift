import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import StratusKit

/// Accounts: listings and metadata. An account is created on first use (Swift's
/// `account_autocreate`, as with Keystone): until then it reads as empty.
///
/// With `allowAccountManagement` (Swift's `allow_account_management`, off by default: 405),
/// `PUT` creates an account and `DELETE` marks it deleted on every replica (reseller admins;
/// see `isOwned`). A deleted account answers 410 Gone (`X-Account-Status: Deleted`) to GET and
/// HEAD and 404 to writes into it, and is never created again on use; the account reaper then
/// removes its objects and containers.
extension ProxyServer {
    func accountNodes(_ account: String) throws -> (partition: Int, nodes: [RingDevice]) {
        let partition = try rings.account.partition(account: account)
        return (partition, rings.account.primaryNodes(partition: partition))
    }

    /// 405 (with `Allow`) for a method accounts do not have: checked before authorization, as
    /// Swift's proxy does.
    func accountMethodRefusal(_ method: HTTPRequest.Method) -> Response? {
        var allowed = ["GET", "HEAD", "OPTIONS", "POST"]
        if allowAccountManagement { allowed += ["DELETE", "PUT"] }
        guard !allowed.contains(method.rawValue) else { return nil }
        var headers = HTTPFields()
        headers[.allow] = allowed.sorted().joined(separator: ", ")
        return ProxyErrors.response(.methodNotAllowed, detail: "The method is not allowed for this resource.", headers: headers)
    }

    func handleAccount(_ request: Request, account: String, asOwner: Bool) async throws -> Response {
        let (partition, nodes) = try accountNodes(account)
        let path = { (node: RingDevice) in BackendClient.path(device: node.device, partition: partition, account: account) }
        switch request.method {
        case .get, .head:
            let answer = await replicas.read(
                request.method == .head ? .HEAD : .GET, ring: rings.account, partition: partition, path: path,
                headers: ProxyHeaders.toBackend(request.headers), query: request.uri.query)
            if Self.isDeletedAccountAnswer(answer) {
                var headers = HTTPFields()
                headers[HTTPField.Name("X-Account-Status")!] = "Deleted"
                return ProxyErrors.response(.gone, detail: "This resource is no longer available.", headers: headers)
            }
            if answer.status == 404 { return emptyAccount(request) }
            var response = relay(answer, method: request.method)
            // Owners see the account's ACL (stored as system metadata) in its client form.
            if asOwner, let acl = AccountACL.displayed(stored: answer.headers.first(name: AccountACL.sysmetaName)) {
                response.headers[HTTPField.Name(AccountACL.headerName)!] = acl
            }
            return response
        case .post:
            defer { infoCache.invalidate(InfoCache.key(account: account)) }
            try await ensureAccount(account)
            let headers = accountWriteHeaders(request)
            let answers = await replicas.writeAll(.POST, nodes: nodes.map { ($0, path($0), headers) })
            return quorumResponse(answers, replicas: nodes.count)
        case .put:
            defer { infoCache.invalidate(InfoCache.key(account: account)) }
            let headers = accountWriteHeaders(request)
            let answers = await replicas.writeAll(.PUT, nodes: nodes.map { ($0, path($0), headers) })
            return quorumResponse(answers, replicas: nodes.count)
        case .delete:
            // Swift's guard against a query string meant for a middleware (a mistyped bulk delete).
            if let query = request.uri.query, !query.isEmpty { return ProxyErrors.response(.badRequest) }
            defer { infoCache.invalidate(InfoCache.key(account: account)) }
            var headers = HTTPHeaders()
            headers.add(name: "X-Timestamp", value: Self.timestamp())
            let answers = await replicas.writeAll(.DELETE, nodes: nodes.map { ($0, path($0), headers) })
            return quorumResponse(answers, replicas: nodes.count)
        default:
            return accountMethodRefusal(request.method) ?? ProxyErrors.response(.methodNotAllowed)
        }
    }

    /// The headers of an account PUT or POST for its servers: a new timestamp, and the account
    /// ACL (already checked) as the system metadata it is stored in.
    private func accountWriteHeaders(_ request: Request) -> HTTPHeaders {
        var headers = ProxyHeaders.toBackend(request.headers)
        headers.replaceOrAdd(name: "X-Timestamp", value: Self.timestamp())
        if let acl = headers.first(name: AccountACL.headerName) {
            headers.remove(name: AccountACL.headerName)
            headers.replaceOrAdd(name: AccountACL.sysmetaName, value: acl)
        }
        return headers
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

    /// Creates the account on its servers when none has it yet; 404 when it was deleted (a
    /// deleted account is not created again).
    func ensureAccount(_ account: String) async throws {
        switch try await accountLookup(account) {
        case .exists: return
        case .deleted: throw APIError(.notFound, "The resource could not be found.")
        case .absent: break
        }
        defer { infoCache.invalidate(InfoCache.key(account: account)) }
        let (partition, nodes) = try accountNodes(account)
        var headers = HTTPHeaders()
        headers.add(name: "X-Timestamp", value: Self.timestamp())
        let answers = await replicas.writeAll(
            .PUT, nodes: nodes.map { ($0, BackendClient.path(device: $0.device, partition: partition, account: account), headers) })
        let status = ReplicaIO.bestStatus(answers, replicas: nodes.count)
        // 403 "Recently deleted": the account was deleted after the lookup.
        if status == 403 { throw APIError(.notFound, "The resource could not be found.") }
        guard (200..<300).contains(status) else {
            throw APIError(.serviceUnavailable, "Could not create the account on a quorum of its servers.")
        }
    }
}
