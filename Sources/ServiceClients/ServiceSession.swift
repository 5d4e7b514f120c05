import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import StratusKit

/// Holds one project-scoped token (password authentication) and the catalog that came with
/// it, as keystoneauth's session does for an OpenStack service. The token is reused for
/// every call until shortly before it expires, or until a service refuses it (401), and
/// then renewed; concurrent callers share one renewal. Endpoints come from the catalog
/// (the `public` interface, of the credentials' region when one is set), unless overridden.
public actor ServiceSession {
    public nonisolated let credentials: ServiceCredentials
    nonisolated let httpClient: HTTPClient
    let endpointOverrides: [String: String]

    private var current: IssuedToken?
    private var renewal: Task<IssuedToken, any Error>?
    /// How many tokens this session has obtained from Identity.
    public private(set) var tokensIssued = 0

    /// - Parameter endpointOverrides: service type → URL, used instead of the catalog's.
    public init(credentials: ServiceCredentials, httpClient: HTTPClient = .shared, endpointOverrides: [String: String] = [:]) {
        self.credentials = credentials
        self.httpClient = httpClient
        self.endpointOverrides = endpointOverrides
    }

    /// A valid token, renewed when it expires within a short margin.
    public func token() async throws -> String {
        try await issued().token
    }

    /// The URL (without a trailing slash) of the service of catalog type `type`.
    public func endpoint(type: String) async throws -> String {
        if let override = endpointOverrides[type] { return Self.trimmed(override) }
        let catalog = try await issued().catalog
        let region = credentials.region
        for service in catalog where service.type == type {
            if let endpoint = service.endpoints.first(where: {
                $0.interface == "public" && (region == nil || $0.region == region)
            }) {
                return Self.trimmed(endpoint.url)
            }
        }
        throw ServiceClientError(
            service: "identity", status: 0,
            message: "The catalog has no public endpoint for service type '\(type)'"
                + (region.map { " in region '\($0)'" } ?? ""))
    }

    /// Forgets the token, so the next call authenticates again.
    public func invalidateToken() {
        current = nil
    }

    /// Forgets `token` if it is still the current one (a service refused it); a token that
    /// another caller renewed meanwhile is kept.
    func invalidate(_ token: String) {
        if current?.token == token { current = nil }
    }

    private func issued() async throws -> IssuedToken {
        if let current, !current.needsRenewal(at: Date()) { return current }
        if let renewal { return try await renewal.value }
        let task = Task { [credentials, httpClient] in
            try await Self.authenticate(credentials, httpClient: httpClient)
        }
        renewal = task
        defer { renewal = nil }
        let token = try await task.value
        current = token
        tokensIssued += 1
        return token
    }

    static func trimmed(_ url: String) -> String {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// `POST /v3/auth/tokens` with the password method and a project scope.
    private static func authenticate(_ credentials: ServiceCredentials, httpClient: HTTPClient) async throws -> IssuedToken {
        let body: JSONValue = [
            "auth": [
                "identity": [
                    "methods": ["password"],
                    "password": [
                        "user": [
                            "name": .string(credentials.userName), "domain": ["id": .string(credentials.userDomainID)],
                            "password": .string(credentials.password),
                        ]
                    ],
                ],
                "scope": [
                    "project": [
                        "name": .string(credentials.projectName), "domain": ["id": .string(credentials.projectDomainID)],
                    ]
                ],
            ]
        ]
        var request = HTTPClientRequest(url: trimmed(credentials.authURL) + "/auth/tokens")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body.serialized()))
        let response: HTTPClientResponse
        let bytes: [UInt8]
        do {
            response = try await httpClient.execute(request, timeout: .seconds(30))
            bytes = Array(buffer: try await response.body.collect(upTo: 16 << 20))
        } catch {
            throw ServiceClientError(service: "identity", status: 0, message: "\(error)")
        }
        guard response.status == .created else {
            throw ServiceClientError.response(service: "identity", status: Int(response.status.code), body: bytes)
        }
        guard let token = response.headers.first(name: "X-Subject-Token"), let json = try? JSONValue.parse(bytes: bytes),
            let expiresText = json["token"]?["expires_at"]?.stringValue, let expiresAt = Self.date(expiresText)
        else {
            throw ServiceClientError(service: "identity", status: 201, message: "The token response lacks a token or its expiry")
        }
        let catalog = (json["token"]?["catalog"]?.arrayValue ?? []).compactMap { entry -> CatalogService? in
            guard let type = entry["type"]?.stringValue else { return nil }
            let endpoints = (entry["endpoints"]?.arrayValue ?? []).compactMap { endpoint -> CatalogEndpoint? in
                guard let interface = endpoint["interface"]?.stringValue, let url = endpoint["url"]?.stringValue else {
                    return nil
                }
                return CatalogEndpoint(
                    interface: interface, region: endpoint["region_id"]?.stringValue ?? endpoint["region"]?.stringValue,
                    url: url)
            }
            return CatalogService(type: type, endpoints: endpoints)
        }
        return IssuedToken(token: token, issuedAt: Date(), expiresAt: expiresAt, catalog: catalog)
    }

    /// Keystone's `2026-01-01T12:00:00.000000Z` (fractional seconds ignored).
    static func date(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return formatter.date(from: String(text.prefix(19)))
    }
}

/// A token and the catalog issued with it.
struct IssuedToken: Sendable {
    var token: String
    var issuedAt: Date
    var expiresAt: Date
    var catalog: [CatalogService]

    /// Renewed two minutes before expiry, or a quarter of its lifetime before for short-lived tokens.
    func needsRenewal(at now: Date) -> Bool {
        let margin = min(120, expiresAt.timeIntervalSince(issuedAt) / 4)
        return expiresAt.timeIntervalSince(now) <= margin
    }
}

struct CatalogService: Sendable {
    var type: String
    var endpoints: [CatalogEndpoint]
}

struct CatalogEndpoint: Sendable {
    var interface: String
    var region: String?
    var url: String
}
