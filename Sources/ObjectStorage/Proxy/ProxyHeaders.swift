import HTTPTypes
import NIOHTTP1

/// Which headers cross the proxy, and in which direction. Client headers reach the
/// storage servers except those the proxy owns (auth, hop-by-hop, backend-only, the
/// timestamp); server headers reach the client except backend-only and hop-by-hop ones, and
/// (as Swift's gatekeeper does) system metadata unless `keepSysMeta`.
enum ProxyHeaders {
    private static let hopByHop: Set<String> = [
        "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization", "host",
        "content-length", "expect",
    ]
    private static let proxyOwned: Set<String> = ["x-auth-token", "x-storage-token", "x-timestamp", "x-trans-id"]

    static func toBackend(_ fields: HTTPFields) -> HTTPHeaders {
        var headers = HTTPHeaders()
        for field in fields {
            let name = field.name.canonicalName
            if hopByHop.contains(name) || proxyOwned.contains(name) || name.hasPrefix("x-backend-") { continue }
            headers.add(name: field.name.rawName, value: field.value)
        }
        return headers
    }

    static func toClient(_ headers: HTTPHeaders, keepLength: Bool = true, keepSysMeta: Bool = false) -> HTTPFields {
        var fields = HTTPFields()
        for (name, value) in headers {
            let lower = name.lowercased()
            if lower.hasPrefix("x-backend-") || lower == "connection" || lower == "transfer-encoding" || lower == "server"
                || lower == "date" || lower == "keep-alive"
            {
                continue
            }
            if lower == "content-length", !keepLength { continue }
            if !keepSysMeta, isSysMeta(lower) { continue }
            guard let fieldName = HTTPField.Name(name) else { continue }
            fields.append(HTTPField(name: fieldName, value: value))
        }
        return fields
    }
}
