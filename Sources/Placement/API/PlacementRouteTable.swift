import HTTPTypes
import Hummingbird
import StratusKit

/// Registers Placement's routes and remembers the methods of each path, so that another
/// method on a known path answers 405 with an `Allow` header, as Placement does (rather
/// than the 404 of an unknown path).
final class PlacementRouteTable {
    typealias Handler = @Sendable (Request, StratusRequestContext) async throws -> Response

    let router: Router<StratusRequestContext>
    private var paths: [String] = []
    private var methods: [String: [HTTPRequest.Method]] = [:]

    init(router: Router<StratusRequestContext>) { self.router = router }

    func get(_ path: String, use handler: @escaping Handler) { add(path, .get, handler) }
    func put(_ path: String, use handler: @escaping Handler) { add(path, .put, handler) }
    func post(_ path: String, use handler: @escaping Handler) { add(path, .post, handler) }
    func delete(_ path: String, use handler: @escaping Handler) { add(path, .delete, handler) }

    private func add(_ path: String, _ method: HTTPRequest.Method, _ handler: @escaping Handler) {
        if methods[path] == nil { paths.append(path) }
        methods[path, default: []].append(method)
        router.on(RouterPath(path), method: method, use: handler)
    }

    /// Adds the 405 answers for the methods no route of a path took.
    func addMethodNotAllowed() {
        for path in paths {
            let allowed = methods[path] ?? []
            var headers = HTTPFields()
            headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
            let refusal = APIError(.methodNotAllowed, "The method specified is not allowed for this resource.", headers: headers)
            for method in [HTTPRequest.Method.get, .put, .post, .delete, .patch] where !allowed.contains(method) {
                router.on(RouterPath(path), method: method) { _, _ -> Response in throw refusal }
            }
        }
    }
}
