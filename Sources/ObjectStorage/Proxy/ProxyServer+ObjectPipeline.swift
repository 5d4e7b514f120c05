import HTTPTypes
import Hummingbird
import NIOCore
import StratusKit

/// What the proxy does with a client's object request before the plain object handlers, in
/// the order of Swift's middleware pipeline: server-side copy, then static large objects,
/// then dynamic large objects.
extension ProxyServer {
    func handleObjectRequest(
        _ request: Request, caller: ProxyIdentity?, account: String, container: String, object: String
    ) async throws -> Response {
        let query = ProxyQuery(request.uri.query)
        let method = request.method
        if method == .copy {
            return try await copyObject(request, caller: caller, account: account, container: container, object: object, query: query)
        }
        if method == .get || method == .head {
            let read = try await readObject(method, account: account, container: container, object: object, headers: request.headers, query: query)
            return read.response(method: method)
        }
        if method == .put, request.headers[.xCopyFrom] != nil {
            return try await copyToObject(
                headers: request.headers, query: query, caller: caller, account: account, container: container, object: object)
        }
        let manifestPut = method == .put && query["multipart-manifest"] == "put"
        if manifestPut { return try await putStaticManifest(request, account: account, container: container, object: object) }
        if method == .delete && query["multipart-manifest"] == "delete" {
            return deleteStaticManifest(request, account: account, container: container, object: object)
        }
        if request.headers[.xStaticLargeObject] != nil {
            return Self.textResponse(
                .badRequest,
                "X-Static-Large-Object is a reserved header. To create a static large object add query param multipart-manifest=put.")
        }
        if method == .put {
            if let type = request.headers[.contentType], Self.hasSwiftParameter(type) {
                return Self.textResponse(.badRequest, "Invalid Content-Type, swift_* is not a valid parameter name.")
            }
            if let manifest = request.headers[.xObjectManifest], !Self.isValidDynamicManifest(manifest) {
                return Self.textResponse(.badRequest, "X-Object-Manifest must be in the format container/prefix")
            }
        }
        return try await handleObject(request, account: account, container: container, object: object)
    }

    /// `X-Object-Manifest: <container>/<prefix>`: both parts present, no `?` or `&`, the prefix
    /// not starting with `/` (Swift's check).
    static func isValidDynamicManifest(_ value: String) -> Bool {
        let parts = value.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return false }
        return !value.contains("?") && !value.contains("&") && !parts[1].hasPrefix("/")
    }

    /// A `swift_…` parameter in a client's content type (reserved for the proxy).
    static func hasSwiftParameter(_ contentType: String) -> Bool {
        contentType.split(separator: ";").dropFirst().contains { $0.drop { $0 == " " }.hasPrefix("swift_") }
    }

    /// Bulk operations at any path of an account: `POST|DELETE ?bulk-delete` and
    /// `PUT ?extract-archive=<format>`; nil for any other request.
    func handleBulkRequest(_ request: Request, path: ProxyPath) async throws -> Response? {
        let query = ProxyQuery(request.uri.query)
        if request.method == .put, let format = query["extract-archive"] {
            return extractArchive(request, path: path, format: format)
        }
        if query.has("bulk-delete"), request.method == .post || request.method == .delete {
            return bulkDelete(request, account: path.account)
        }
        return nil
    }

    /// Whether `handleBulkRequest` takes the request: such a request at an account's path is
    /// not an account PUT or DELETE (Swift's bulk middleware answers it before the account would).
    static func isBulkRequest(_ request: Request) -> Bool {
        let query = ProxyQuery(request.uri.query)
        return (request.method == .put && query["extract-archive"] != nil)
            || (query.has("bulk-delete") && (request.method == .post || request.method == .delete))
    }

    /// `/info`: Swift's constraints, the large-object and bulk sections, and
    /// `versioned_writes` when containers may be versioned.
    func infoDocument() -> JSONValue {
        var info = constraints.info(tempAuth: !tempAuth.users.isEmpty).objectValue ?? [:]
        for (key, value) in limits.info { info[key] = value }
        if allowVersionedWrites {
            info["versioned_writes"] = ["allowed_flags": .array(ContainerVersioning.allowedFlags.map { .string($0) })]
        }
        return .object(info)
    }
}
