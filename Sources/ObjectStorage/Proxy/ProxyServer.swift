import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import StratusKit

/// Swift's proxy server: stateless, it authenticates the caller, finds a resource's
/// partition and nodes on the rings, and speaks HTTP to the account, container and object
/// servers — writes to every replica (quorum decides), reads from one with fallback.
public final class ProxyServer: Sendable {
    let rings: StorageRings
    let replicas: ReplicaIO
    let tempAuth: TempAuth
    let operatorRoles: Set<String>
    let resellerAdminRole: String
    /// Swift's `allow_account_management`: account PUT (create) and DELETE are served (for
    /// reseller admins) instead of answered 405.
    let allowAccountManagement: Bool
    /// Where clients reach the proxy, e.g. `http://127.0.0.1:8080`.
    public let publicURL: String
    let constraints: SwiftConstraints
    /// Whether containers may be versioned (`X-Versions-Location`, `X-History-Location`),
    /// Swift's `allow_versioned_writes`.
    let allowVersionedWrites: Bool
    let infoCache = InfoCache()
    let limits = LargeObjectLimits()

    public init(
        rings: StorageRings, publicURL: String, tempAuthUsers: String? = nil, operatorRoles: Set<String> = ["admin", "member"],
        resellerAdminRole: String = "ResellerAdmin", constraints: SwiftConstraints = SwiftConstraints(),
        allowVersionedWrites: Bool = true, allowAccountManagement: Bool = false
    ) throws {
        self.rings = rings
        self.replicas = ReplicaIO(client: BackendClient())
        self.tempAuth = TempAuth(users: try tempAuthUsers.map(TempAuth.parseUsers) ?? [])
        self.operatorRoles = operatorRoles
        self.resellerAdminRole = resellerAdminRole
        self.allowAccountManagement = allowAccountManagement
        self.publicURL = publicURL
        self.constraints = constraints
        self.allowVersionedWrites = allowVersionedWrites
    }

    public func shutdown() async { await replicas.client.shutdown() }

    public func makeRouter(tokenValidator: any TokenValidating) -> Router<StratusRequestContext> {
        let router = Router.stratus(service: "object-store", errorRenderer: ProxyErrorRenderer(), tokenValidator: tokenValidator)
        router.get("/info") { _, _ in JSONResponse.make(.ok, self.infoDocument()) }
        router.get("/healthcheck") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "OK"))) }
        router.get("/auth/v1.0") { request, _ in self.authenticateV1(request) }
        for method in [HTTPRequest.Method.get, .head, .put, .post, .delete, .copy, .options] {
            router.on("/v1/**", method: method) { request, context in try await self.handle(request, context: context) }
        }
        return router
    }

    // MARK: v1.0 auth

    func authenticateV1(_ request: Request) -> Response {
        let user = request.headers[HTTPField.Name("X-Auth-User")!] ?? request.headers[HTTPField.Name("X-Storage-User")!] ?? ""
        let key = request.headers[HTTPField.Name("X-Auth-Key")!] ?? request.headers[HTTPField.Name("X-Storage-Pass")!] ?? ""
        guard let session = tempAuth.authenticate(user: user, key: key) else { return ProxyErrors.response(.unauthorized) }
        var headers = HTTPFields()
        headers[HTTPField.Name("X-Auth-Token")!] = session.token
        headers[HTTPField.Name("X-Storage-Token")!] = session.token
        headers[HTTPField.Name("X-Storage-Url")!] = "\(publicURL)/v1/\(session.account)"
        headers[HTTPField.Name("X-Auth-Token-Expires")!] = String(max(0, session.expires.seconds - Timestamp.now().seconds))
        return ProxyErrors.response(.ok, detail: "Authenticated", headers: headers)
    }

    // MARK: Dispatch

    func identity(_ request: Request, context: StratusRequestContext) -> ProxyIdentity? {
        if let token = request.headers[AuthMiddleware.tokenHeader], token.hasPrefix(TempAuth.tokenPrefix) {
            return tempAuth.identity(token: token)
        }
        return context.auth.map { ProxyIdentity(keystone: $0, operatorRoles: operatorRoles, resellerAdminRole: resellerAdminRole) }
    }

    func handle(_ request: Request, context: StratusRequestContext) async throws -> Response {
        guard let path = ProxyPath(rawPath: request.uri.path) else { return ProxyErrors.response(.badRequest, detail: "Invalid path") }
        if request.method == .options { return try await options(request, path: path) }
        let request = Self.withoutSystemMetadata(request)
        let response = try await authorizeAndRoute(request, path: path, context: context)
        return try await withCORS(response, request: request, path: path)
    }

    private func authorizeAndRoute(_ request: Request, path: ProxyPath, context: StratusRequestContext) async throws -> Response {
        if let problem = constraints.checkNames(path) { return ProxyErrors.response(.badRequest, detail: problem) }
        if path.container == nil, !Self.isBulkRequest(request), let refusal = accountMethodRefusal(request.method) { return refusal }
        if let invalid = checkAccountACLHeader(request) { return invalid }
        let caller = identity(request, context: context)
        let asOwner: Bool
        switch try await authorize(request, path: path, caller: caller) {
        case .refused(let status): return ProxyErrors.response(status)
        case .allowed(let owner): asOwner = owner
        }
        let request = asOwner ? request : Self.withoutOwnerHeaders(request)
        if let problem = constraints.checkMetadata(request.headers, path: path) {
            return ProxyErrors.response(.badRequest, detail: problem)
        }
        if let refusal = checkQuotaHeaders(request, path: path, caller: caller) { return refusal }
        if request.method == .put, let container = path.container, path.object != nil,
            request.headers[HTTPField.Name("X-Copy-From")!] == nil,
            let refusal = try await checkUploadQuota(
                account: path.account, container: container, length: request.headers[.contentLength].flatMap { Int64($0) } ?? 0)
        {
            return refusal
        }
        if let bulk = try await handleBulkRequest(request, path: path) { return bulk }
        if let container = path.container {
            if let object = path.object {
                let response = try await handleObjectRequest(
                    request, caller: caller, account: path.account, container: container, object: object)
                // The container's counts (which quotas read) have changed.
                if [.put, .delete, .copy].contains(request.method) {
                    infoCache.invalidate(InfoCache.key(account: path.account, container: container))
                }
                return response
            }
            let response = try await handleContainer(request, account: path.account, container: container)
            return asOwner ? response : Self.withoutOwnerHeaders(response)
        }
        let response = try await handleAccount(request, account: path.account, asOwner: asOwner)
        return asOwner ? response : Self.withoutOwnerHeaders(response)
    }

    /// Swift's gatekeeper: system metadata (`X-{Account,Container,Object}-Sysmeta-*`) and
    /// backend headers are the proxy's own; a client cannot set them.
    static func withoutSystemMetadata(_ request: Request) -> Request {
        let reserved = request.headers.filter { field in
            let name = field.name.canonicalName
            return name.hasPrefix("x-backend-") || (name.hasPrefix("x-") && name.contains("-sysmeta-"))
        }
        guard !reserved.isEmpty else { return request }
        var head = request.head
        for field in reserved { head.headerFields[field.name] = nil }
        return Request(head: head, body: request.body)
    }

    static func timestamp() -> String { String(format: "%016.5f", Date().timeIntervalSince1970) }

    /// The answer of one backend, streamed to the client with its headers.
    func relay(_ answer: BackendResponse, method: HTTPRequest.Method) -> Response {
        let status = HTTPResponse.Status(code: answer.status)
        var fields = ProxyHeaders.toClient(answer.headers)
        if method == .head || answer.body == nil {
            return Response(status: status, headers: fields, body: .init())
        }
        guard let body = answer.body else { return Response(status: status, headers: fields) }
        if fields[.contentLength] == nil { fields[.transferEncoding] = nil }
        return Response(status: status, headers: fields, body: ResponseBody(asyncSequence: body))
    }

    /// The quorum's answer to a write, with the headers of one answer that agrees with it.
    func quorumResponse(_ answers: [BackendResponse], replicas count: Int, extra: HTTPFields = [:]) -> Response {
        let status = ReplicaIO.bestStatus(answers, replicas: count)
        guard (200..<300).contains(status) || (400..<500).contains(status) else {
            return ProxyErrors.response(.serviceUnavailable)
        }
        if (400..<500).contains(status) { return ProxyErrors.response(HTTPResponse.Status(code: status)) }
        var fields = extra
        fields[.contentType] = "text/html; charset=UTF-8"
        fields[.contentLength] = "0"
        return Response(status: HTTPResponse.Status(code: status), headers: fields, body: .init())
    }
}
