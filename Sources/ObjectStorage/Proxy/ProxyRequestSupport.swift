import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import StratusKit

/// A request's query string as Swift's middlewares read it (`req.params`): `key=value` pairs
/// split on `&`, each part percent-decoded (`+` is a space); a key without `=` has the empty
/// value; the first occurrence of a key wins.
struct ProxyQuery: Sendable {
    private(set) var items: [(key: String, value: String)] = []

    init(_ query: String?) {
        guard let query, !query.isEmpty else { return }
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(pieces[0])
            let value = pieces.count > 1 ? Self.decode(pieces[1]) : ""
            items.append((key, value))
        }
    }

    private static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    func has(_ key: String) -> Bool { items.contains { $0.key == key } }

    subscript(_ key: String) -> String? { items.first { $0.key == key }?.value }

    /// The query without `removed` keys, re-encoded; nil when nothing is left.
    func encoded(removing removed: Set<String> = []) -> String? {
        let kept = items.filter { !removed.contains($0.key) }
        guard !kept.isEmpty else { return nil }
        return kept.map { Self.encode($0.key) + "=" + Self.encode($0.value) }.joined(separator: "&")
    }

    private static func encode(_ text: String) -> String { BackendClient.percentEncode(text) }
}

/// Small pieces of Swift's behaviour the large-object, copy and bulk features share.
enum SwiftText {
    /// Python's `urllib.parse.quote(text)` (safe characters: letters, digits, `_.-~` and `/`),
    /// as Swift quotes names in error lists and `X-Copied-From`.
    static func quote(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: quoteSafe) ?? text
    }

    private static let quoteSafe: CharacterSet = {
        var set = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        set.insert(charactersIn: "-._~/")
        return set
    }()

    /// `wsgi_unquote`: percent-decoding that leaves text with a bad escape as it is.
    static func unquote(_ text: String) -> String { text.removingPercentEncoding ?? text }

    /// An entity tag without its quotes (swob's `normalize_etag`).
    static func normalizeETag(_ value: String?) -> String? {
        guard let value else { return nil }
        if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { return String(value.dropFirst().dropLast()) }
        return value
    }

    /// `"404 Not Found"`: a status as swob writes it in response bodies.
    static func statusLine(_ code: Int) -> String {
        "\(code) \(reason(code))"
    }

    static func reason(_ code: Int) -> String {
        if let known = reasons[code] { return known }
        let phrase = HTTPResponse.Status(code: code).reasonPhrase
        return phrase.isEmpty ? "Unknown" : phrase
    }

    /// swob's reason phrases where they differ from today's names, or are Swift's own.
    private static let reasons: [Int: String] = [
        200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 206: "Partial Content", 304: "Not Modified",
        400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
        406: "Not Acceptable", 408: "Request Timeout", 409: "Conflict", 411: "Length Required", 412: "Precondition Failed",
        413: "Request Entity Too Large", 416: "Requested Range Not Satisfiable", 422: "Unprocessable Entity",
        499: "Client Disconnect", 500: "Internal Error", 502: "Bad Gateway", 503: "Service Unavailable",
        507: "Insufficient Storage",
    ]

    static func md5Hex(_ bytes: some Sequence<UInt8>) -> String {
        var md5 = Insecure.MD5()
        md5.update(data: Array(bytes))
        return Hex.lowercase(md5.finalize())
    }

    static func md5Hex(_ buffer: ByteBuffer) -> String {
        var md5 = Insecure.MD5()
        buffer.withUnsafeReadableBytes { md5.update(bufferPointer: $0) }
        return Hex.lowercase(md5.finalize())
    }

    /// Swift's `config_true_value`.
    static func isTrue(_ value: String?) -> Bool {
        guard let value else { return false }
        return ["true", "1", "yes", "on", "t", "y"].contains(value.lowercased())
    }

    /// swob's `Accept.best_match`: the first of `options` the header accepts best (by quality,
    /// then exact types before wildcards); the first option when there is no header; nil when
    /// none is acceptable; `invalid` when the header cannot be read.
    enum AcceptMatch: Equatable {
        case match(String)
        case none
        case invalid
    }

    static func bestMatch(accept header: String?, options: [String]) -> AcceptMatch {
        guard let header, !header.trimmingCharacters(in: .whitespaces).isEmpty else {
            return options.first.map(AcceptMatch.match) ?? .none
        }
        var types: [(type: String, subtype: String, quality: Double, exact: Bool)] = []
        for item in header.split(separator: ",", omittingEmptySubsequences: false) {
            let parameters = item.split(separator: ";", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            let media = parameters[0].split(separator: "/", omittingEmptySubsequences: false)
            guard media.count == 2, !media[0].isEmpty, !media[1].isEmpty, !media[0].contains(" "), !media[1].contains(" ")
            else { return .invalid }
            var quality = 1.0
            var seenQuality = false
            for parameter in parameters.dropFirst() where !parameter.isEmpty {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2 else { return .invalid }
                if pair[0] == "q" {
                    guard !seenQuality, let value = Double(pair[1]) else { return .invalid }
                    seenQuality = true
                    quality = value
                }
            }
            let (type, subtype) = (String(media[0]).lowercased(), String(media[1]).lowercased())
            types.append((type, subtype, quality, type != "*" && subtype != "*"))
        }
        // Stable sort: quality first, then exact types before wildcards.
        let ordered = types.enumerated().sorted { a, b in
            if a.element.quality != b.element.quality { return a.element.quality > b.element.quality }
            if a.element.exact != b.element.exact { return a.element.exact }
            return a.offset < b.offset
        }.map(\.element)
        for candidate in ordered {
            for option in options {
                let parts = option.split(separator: "/", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { continue }
                if (candidate.type == "*" || candidate.type == parts[0]) && (candidate.subtype == "*" || candidate.subtype == parts[1]) {
                    return .match(option)
                }
            }
        }
        return .none
    }
}

extension ProxyServer {
    /// A request the proxy makes to itself, as Swift's middlewares make subrequests: same
    /// handlers, no authentication (the caller was authorized for the account already).
    static func internalRequest(
        _ method: HTTPRequest.Method, account: String, container: String? = nil, object: String? = nil, query: String? = nil,
        headers: HTTPFields = [:], body: RequestBody = RequestBody(buffer: ByteBuffer())
    ) -> Request {
        var path = "/v1/" + BackendClient.percentEncode(account)
        if let container { path += "/" + BackendClient.percentEncode(container) }
        if let object { path += "/" + BackendClient.percentEncode(object) }
        if let query, !query.isEmpty { path += "?" + query }
        let head = HTTPRequest(method: method, scheme: "http", authority: "proxy", path: path, headerFields: headers)
        return Request(head: head, body: body)
    }

    /// `"/container/object"` (leading slash optional) split into its two names, the object
    /// keeping further slashes; nil when either is missing.
    static func splitContainerObject(_ text: String) -> (container: String, object: String)? {
        let trimmed = text.hasPrefix("/") ? String(text.dropFirst()) : text
        guard let slash = trimmed.firstIndex(of: "/") else { return nil }
        let container = String(trimmed[..<slash])
        let object = String(trimmed[trimmed.index(after: slash)...])
        guard !container.isEmpty, !object.isEmpty else { return nil }
        return (container, object)
    }
}

extension HTTPField.Name {
    static let xObjectManifest = HTTPField.Name("X-Object-Manifest")!
    static let xStaticLargeObject = HTTPField.Name("X-Static-Large-Object")!
    static let xCopyFrom = HTTPField.Name("X-Copy-From")!
    static let xCopyFromAccount = HTTPField.Name("X-Copy-From-Account")!
    static let destination = HTTPField.Name("Destination")!
    static let destinationAccount = HTTPField.Name("Destination-Account")!
    static let xFreshMetadata = HTTPField.Name("X-Fresh-Metadata")!
    static let xDetectContentType = HTTPField.Name("X-Detect-Content-Type")!
}
