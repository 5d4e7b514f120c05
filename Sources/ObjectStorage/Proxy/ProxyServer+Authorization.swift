import Foundation
import HTTPTypes
import Hummingbird
import NIOHTTP1
import StratusKit

/// Who may do what: the account's owner (and reseller admins) everything; others what the
/// container's ACLs grant (reads, listings, object writes; never container changes or ACL
/// changes); anyone holding a valid temporary URL its one object and method.
extension ProxyServer {
    enum Decision {
        case allowed
        case refused(HTTPResponse.Status)
    }

    func authorize(_ request: Request, path: ProxyPath, caller: ProxyIdentity?) async throws -> Decision {
        if let caller, caller.owns(path.account) { return .allowed }
        if let object = path.object, let container = path.container,
            let tempURL = TempURL(query: Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { a, _ in a }))
        {
            let method = request.method.rawValue
            guard ["GET", "HEAD", "PUT"].contains(method) else { return .refused(.unauthorized) }
            let keys = try await tempURLKeys(account: path.account, container: container)
            let signedPath = "/v1/\(path.account)/\(container)/\(object)"
            return tempURL.isValid(method: method, path: signedPath, keys: keys, now: Timestamp.now().seconds)
                ? .allowed : .refused(.unauthorized)
        }
        let denied: HTTPResponse.Status = caller == nil ? .unauthorized : .forbidden
        guard let container = path.container else { return .refused(denied) }
        // Only owners change containers or their ACLs.
        if path.object == nil, ![.get, .head].contains(request.method) { return .refused(denied) }
        if request.headers[HTTPField.Name("X-Container-Read")!] != nil || request.headers[HTTPField.Name("X-Container-Write")!] != nil {
            return .refused(denied)
        }
        let info = try await containerHeaders(account: path.account, container: container)
        let read = ContainerACL(info?.first(name: "X-Container-Read"))
        let write = ContainerACL(info?.first(name: "X-Container-Write"))
        let allowed: Bool
        switch (path.object != nil, request.method) {
        case (true, .get), (true, .head): allowed = read.allowsObjectRead(caller)
        case (false, .get), (false, .head): allowed = read.allowsListing(caller)
        case (true, _): allowed = write.grants(caller)
        default: allowed = false
        }
        return allowed ? .allowed : .refused(denied)
    }
}
