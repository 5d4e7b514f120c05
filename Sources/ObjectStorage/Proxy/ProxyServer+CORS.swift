import HTTPTypes
import Hummingbird
import NIOHTTP1

/// Cross-origin requests, as Swift allows them per container: the container's
/// `X-Container-Meta-Access-Control-Allow-Origin` (space-separated origins, or `*`),
/// `-Max-Age` and `-Expose-Headers`. `OPTIONS` answers preflights without a token; other
/// requests from an allowed origin get `Access-Control-Allow-Origin` and `-Expose-Headers`.
extension ProxyServer {
    static let corsMethods = "HEAD, GET, PUT, POST, COPY, OPTIONS, DELETE"
    static let corsSimpleHeaders = [
        "cache-control", "content-language", "content-type", "expires", "last-modified", "pragma", "etag", "x-timestamp",
        "x-trans-id", "x-openstack-request-id",
    ]

    /// The container's CORS settings: (allowed origins, max age, extra exposed headers).
    func corsRules(account: String, container: String) async throws -> (origins: [String], maxAge: String?, expose: [String])? {
        guard let headers = try await containerHeaders(account: account, container: container),
            let allowed = headers.first(name: "X-Container-Meta-Access-Control-Allow-Origin"), !allowed.isEmpty
        else { return nil }
        let expose = (headers.first(name: "X-Container-Meta-Access-Control-Expose-Headers") ?? "")
            .split(whereSeparator: { $0 == " " || $0 == "," }).map { $0.lowercased() }
        return (allowed.split(separator: " ").map(String.init), headers.first(name: "X-Container-Meta-Access-Control-Max-Age"), expose)
    }

    static func originAllowed(_ origin: String, by origins: [String]) -> Bool {
        origins.contains("*") || origins.contains(origin)
    }

    /// `OPTIONS`: the allowed methods, and for a preflight (`Origin` and
    /// `Access-Control-Request-Method`) the CORS grant, or 401 when the origin is not allowed.
    func options(_ request: Request, path: ProxyPath) async throws -> Response {
        var fields = HTTPFields()
        fields[HTTPField.Name("Allow")!] = Self.corsMethods
        guard let origin = request.headers[HTTPField.Name("Origin")!],
            let method = request.headers[HTTPField.Name("Access-Control-Request-Method")!]
        else {
            fields[.contentLength] = "0"
            return Response(status: .ok, headers: fields)
        }
        guard let container = path.container, let rules = try await corsRules(account: path.account, container: container),
            Self.originAllowed(origin, by: rules.origins), Self.corsMethods.contains(method.uppercased())
        else { return ProxyErrors.response(.unauthorized) }
        fields[HTTPField.Name("Access-Control-Allow-Origin")!] = rules.origins.contains("*") ? "*" : origin
        fields[HTTPField.Name("Access-Control-Allow-Methods")!] = Self.corsMethods
        if let requested = request.headers[HTTPField.Name("Access-Control-Request-Headers")!] {
            fields[HTTPField.Name("Access-Control-Allow-Headers")!] = requested
        }
        if let maxAge = rules.maxAge { fields[HTTPField.Name("Access-Control-Max-Age")!] = maxAge }
        fields[.contentLength] = "0"
        return Response(status: .ok, headers: fields)
    }

    /// Adds the CORS headers to an answer for an allowed origin.
    func withCORS(_ response: Response, request: Request, path: ProxyPath) async throws -> Response {
        guard let origin = request.headers[HTTPField.Name("Origin")!], let container = path.container,
            let rules = try await corsRules(account: path.account, container: container),
            Self.originAllowed(origin, by: rules.origins)
        else { return response }
        var response = response
        response.headers[HTTPField.Name("Access-Control-Allow-Origin")!] = rules.origins.contains("*") ? "*" : origin
        let metadata = response.headers.map(\.name.canonicalName).filter {
            $0.hasPrefix("x-object-meta-") || $0.hasPrefix("x-container-meta-")
        }
        response.headers[HTTPField.Name("Access-Control-Expose-Headers")!] =
            (Self.corsSimpleHeaders + metadata + rules.expose).joined(separator: ", ")
        return response
    }
}
