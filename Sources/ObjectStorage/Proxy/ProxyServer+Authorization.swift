import Foundation
import HTTPTypes
import Hummingbird
import NIOHTTP1
import StratusKit

/// Who may do what, as Swift's tempauth and keystoneauth decide:
///
/// - owners (see `ProxyIdentity`) everything in their account, except deleting it, and except
///   creating it for TempAuth owners; reseller admins everything everywhere;
/// - anyone holding a valid temporary URL its one object and method;
/// - the container's ACLs: reads (and listings) by `X-Container-Read`, object writes by
///   `X-Container-Write`; never container changes;
/// - the account's ACL (`AccountACL`, TempAuth users only): read-only, read-write, admin.
///
/// Owners (Swift's `swift_owner`: owners, reseller admins, account ACL admins) see and set the
/// owner-only headers (`ownerOnlyHeaders`); for anyone else they are dropped from the request
/// and from account and container answers.
extension ProxyServer {
    enum Decision: Equatable {
        case allowed(asOwner: Bool)
        case refused(HTTPResponse.Status)
    }

    /// How far a caller is let in: as an owner, or as a grantee of an ACL.
    enum Access: Equatable {
        case owner
        case granted
    }

    /// Swift's `swift_owner_headers`: ACLs, sync settings and temporary URL keys.
    static let ownerOnlyHeaders: [String] = [
        "X-Container-Read", "X-Container-Write", "X-Container-Sync-Key", "X-Container-Sync-To",
        "X-Account-Meta-Temp-Url-Key", "X-Account-Meta-Temp-Url-Key-2", "X-Container-Meta-Temp-Url-Key",
        "X-Container-Meta-Temp-Url-Key-2", AccountACL.headerName,
    ]

    func authorize(_ request: Request, path: ProxyPath, caller: ProxyIdentity?) async throws -> Decision {
        // A COPY reads its source here; its destination is checked as a PUT (see `copyObject`).
        // A bulk operation at an account's path is no account PUT or DELETE: it needs what a
        // POST to the account needs.
        let method: HTTPRequest.Method =
            request.method == .copy ? .get : path.container == nil && Self.isBulkRequest(request) ? .post : request.method
        if let caller, isOwned(method, path: path, by: caller) { return .allowed(asOwner: true) }
        if let object = path.object, let container = path.container,
            let tempURL = TempURL(query: Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { a, _ in a }))
        {
            let method = request.method.rawValue
            guard ["GET", "HEAD", "PUT"].contains(method) else { return .refused(.unauthorized) }
            let keys = try await tempURLKeys(account: path.account, container: container)
            let signedPath = "/v1/\(path.account)/\(container)/\(object)"
            return tempURL.isValid(method: method, path: signedPath, keys: keys, now: Timestamp.now().seconds)
                ? .allowed(asOwner: false) : .refused(.unauthorized)
        }
        if let access = try await aclAccess(method, path: path, caller: caller) { return .allowed(asOwner: access == .owner) }
        return .refused(caller == nil ? .unauthorized : .forbidden)
    }

    /// Whether `caller` may use `method` on `path` by ownership or ACLs (temporary URLs aside):
    /// what a copy checks for its other side.
    func access(_ method: HTTPRequest.Method, path: ProxyPath, caller: ProxyIdentity?) async throws -> Access? {
        if let caller, isOwned(method, path: path, by: caller) { return .owner }
        return try await aclAccess(method, path: path, caller: caller)
    }

    /// Ownership: reseller admins may do anything; an account's owner anything in it but
    /// deleting it (keystoneauth and tempauth leave that to reseller admins), and creating it
    /// only with Keystone (tempauth does not let an account's own users PUT it).
    func isOwned(_ method: HTTPRequest.Method, path: ProxyPath, by caller: ProxyIdentity) -> Bool {
        if caller.isResellerAdmin { return true }
        guard caller.account == path.account else { return false }
        guard path.container == nil else { return true }
        switch method {
        case .delete: return false
        case .put: return caller.source == .keystone
        default: return true
        }
    }

    /// What the container's ACLs, then the account's ACL, grant.
    private func aclAccess(_ method: HTTPRequest.Method, path: ProxyPath, caller: ProxyIdentity?) async throws -> Access? {
        let reads = method == .get || method == .head
        if let container = path.container, path.object != nil || reads {
            let info = try await containerHeaders(account: path.account, container: container)
            let read = ContainerACL(info?.first(name: "X-Container-Read"))
            let write = ContainerACL(info?.first(name: "X-Container-Write"))
            let granted =
                path.object == nil ? read.allowsListing(caller) : reads ? read.allowsObjectRead(caller) : write.grants(caller)
            if granted { return .granted }
        }
        guard let caller, !caller.accountACLNames.isEmpty,
            let acl = AccountACL(stored: try await accountHeaders(account: path.account)?.first(name: AccountACL.sysmetaName)),
            let level = acl.level(for: caller.accountACLNames)
        else { return nil }
        let accountChange = path.container == nil && (method == .put || method == .delete)
        switch level {
        case .admin: return accountChange ? nil : .owner
        case .readWrite: return path.container != nil || reads ? .granted : nil
        case .readOnly: return reads ? .granted : nil
        }
    }

    /// TempAuth's check of an `X-Account-Access-Control` header, made before any other: 400
    /// (with TempAuth's explanation) for a value that is not an account ACL.
    func checkAccountACLHeader(_ request: Request) -> Response? {
        guard let value = request.headers[HTTPField.Name(AccountACL.headerName)!], let problem = AccountACL.problem(in: value) else {
            return nil
        }
        return Self.textResponse(
            .badRequest, "X-Account-Access-Control invalid: \(problem)\n\nInput: \(value)\n", contentType: "text/plain; charset=UTF-8")
    }

    /// The request without the owner-only headers: what a caller who is not an owner sends.
    static func withoutOwnerHeaders(_ request: Request) -> Request {
        let names = ownerOnlyHeaders.map { HTTPField.Name($0)! }
        guard names.contains(where: { request.headers[$0] != nil }) else { return request }
        var head = request.head
        for name in names { head.headerFields[name] = nil }
        return Request(head: head, body: request.body)
    }

    /// An account or container answer without the owner-only headers.
    static func withoutOwnerHeaders(_ response: Response) -> Response {
        var response = response
        for name in ownerOnlyHeaders { response.headers[HTTPField.Name(name)!] = nil }
        return response
    }
}
