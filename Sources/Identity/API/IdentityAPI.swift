import HTTPTypes
import Hummingbird
import StratusKit

/// The Keystone v3 routes. Each file of this folder registers one resource's routes.
struct IdentityAPI: Sendable {
    let manager: IdentityManager
    let wire: IdentityWire
    /// `http://127.0.0.1:5000`: where the API is served.
    let publicURL: String

    var policy: IdentityPolicy { manager.policy }
    var listLimit: Int { manager.settings.listLimit }

    func register(on router: Router<StratusRequestContext>) {
        registerVersions(on: router)
        registerAuth(on: router)
        registerDomains(on: router)
        registerProjects(on: router)
        registerUsers(on: router)
        registerGroups(on: router)
        registerRoles(on: router)
        registerGrants(on: router)
        registerRoleAssignments(on: router)
        registerCatalog(on: router)
        registerApplicationCredentials(on: router)
        registerCredentials(on: router)
    }

    /// The domain a list is limited to: a domain-scoped caller who is not an admin sees
    /// only its own domain's entries, as Keystone filters list results.
    func restrictedDomain(_ auth: AuthContext) -> String? {
        guard let domainID = auth.domainID, !policy.allows("admin_required", auth) else { return nil }
        return domainID
    }

    /// `{"<key>": <value>}` with the given status.
    func respond(_ status: HTTPResponse.Status, _ key: String, _ value: JSONValue) -> Response {
        JSONResponse.make(status, .object([key: value]))
    }

    func respond(_ key: String, _ value: JSONValue) -> Response { respond(.ok, key, value) }

    /// A list response, paged by `?limit=&marker=` when the request asks for it.
    func list(_ key: String, _ items: [JSONValue], request: Request, path: String) throws -> Response {
        var page = IdentityWire.Page(marker: request.query("marker"))
        if let text = request.query("limit") {
            guard let limit = Int(text), limit > 0 else {
                throw APIError.badRequest("Invalid value for limit: \(text); a positive integer is required.")
            }
            page.limit = limit
        }
        let query = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        return JSONResponse.make(.ok, try wire.list(key, items, path: path, query: query, page: page, listLimit: listLimit))
    }
}

extension Request {
    /// A boolean query filter (`?enabled=false`), nil when absent.
    func boolFilter(_ name: String) throws -> Bool? {
        guard let value = query(name) else { return nil }
        switch value.lowercased() {
        case "true", "1", "yes", "": return true
        case "false", "0", "no": return false
        default: throw APIError.badRequest("Invalid value for query parameter \(name): \(value).")
        }
    }
}

/// Keystone's inexact filters on names: `name__contains`, `name__icontains`,
/// `name__startswith`, `name__istartswith`, `name__endswith`, `name__iendswith`.
struct NameFilter: Sendable {
    var tests: [@Sendable (String) -> Bool] = []

    init(request: Request, attribute: String = "name") {
        for (suffix, test) in Self.operators {
            if let value = request.query("\(attribute)__\(suffix)") {
                tests.append { test($0, value) }
            }
        }
    }

    func matches(_ text: String) -> Bool { tests.allSatisfy { $0(text) } }

    private static let operators: [(String, @Sendable (String, String) -> Bool)] = [
        ("contains", { $0.contains($1) }),
        ("icontains", { $0.lowercased().contains($1.lowercased()) }),
        ("startswith", { $0.hasPrefix($1) }),
        ("istartswith", { $0.lowercased().hasPrefix($1.lowercased()) }),
        ("endswith", { $0.hasSuffix($1) }),
        ("iendswith", { $0.lowercased().hasSuffix($1.lowercased()) }),
    ]
}
