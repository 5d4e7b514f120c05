import StratusKit

/// The format of a listing, chosen as Swift chooses it: `format=json|xml|plain` wins (any other
/// value means plain), otherwise the best match of the `Accept` header among `text/plain`,
/// `application/json`, `application/xml` and `text/xml`; no `Accept` (or `*/*`) is plain text.
/// A malformed `Accept` is 400, one that accepts none of them 406.
public enum ListingFormat: String, Sendable, CaseIterable {
    case plain = "text/plain"
    case json = "application/json"
    case xml = "application/xml"
    case textXML = "text/xml"

    /// `application/json; charset=utf-8` ...
    public var contentType: String { rawValue + "; charset=utf-8" }

    public var isXML: Bool { self == .xml || self == .textXML }

    public static func negotiate(format: String?, accept: String?) throws -> ListingFormat {
        var accept = accept
        if let format, !format.isEmpty {
            switch format.lowercased() {
            case "json": accept = ListingFormat.json.rawValue
            case "xml": accept = ListingFormat.xml.rawValue
            default: accept = ListingFormat.plain.rawValue
            }
        }
        guard let ranges = MediaRange.parse(accept ?? "") else {
            throw APIError(.badRequest, "Invalid Accept header")
        }
        if ranges.isEmpty { return .plain }
        for range in ranges {
            if let match = allCases.first(where: range.matches) { return match }
        }
        throw APIError(.notAcceptable, "")
    }

    /// One entry of an `Accept` header.
    struct MediaRange {
        var type: String
        var subtype: String
        var quality: Double

        func matches(_ format: ListingFormat) -> Bool {
            let parts = format.rawValue.split(separator: "/")
            return (type == "*" || type == parts[0]) && (subtype == "*" || subtype == parts[1])
        }

        /// The ranges by descending quality, specific before wildcard, in header order
        /// otherwise; nil for a malformed header (Swift answers 400). An empty header is no ranges.
        static func parse(_ header: String) -> [MediaRange]? {
            guard !header.isEmpty else { return [] }
            var ranges: [(range: MediaRange, specific: Bool, index: Int)] = []
            for (index, item) in header.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
                let parts = item.split(separator: ";", omittingEmptySubsequences: false)
                let media = parts[0].trimmingCharacters(in: " \t")
                let pieces = media.split(separator: "/", omittingEmptySubsequences: false)
                guard pieces.count == 2, isToken(pieces[0]), isToken(pieces[1]) else { return nil }
                var quality = 1.0
                var sawQuality = false
                for parameter in parts.dropFirst() {
                    let trimmed = parameter.trimmingCharacters(in: " \t")
                    if trimmed.isEmpty { continue }
                    let pair = trimmed.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    guard pair.count == 2 else { return nil }
                    let name = pair[0].trimmingCharacters(in: " \t")
                    let value = pair[1].trimmingCharacters(in: " \t")
                    guard isToken(Substring(name)), !value.isEmpty else { return nil }
                    if name == "q" {
                        guard !sawQuality, let number = Double(value) else { return nil }
                        sawQuality = true
                        quality = number
                    }
                }
                let type = String(pieces[0]), subtype = String(pieces[1])
                ranges.append(
                    (MediaRange(type: type, subtype: subtype, quality: quality), type != "*" && subtype != "*", index))
            }
            ranges.sort { lhs, rhs in
                if lhs.range.quality != rhs.range.quality { return lhs.range.quality > rhs.range.quality }
                if lhs.specific != rhs.specific { return lhs.specific }
                return lhs.index < rhs.index
            }
            return ranges.map(\.range)
        }

        /// An RFC 2616 token: no separators, controls or spaces.
        private static func isToken(_ text: Substring) -> Bool {
            !text.isEmpty
                && text.utf8.allSatisfy { byte in
                    byte > 0x20 && byte < 0x7f && !"()<>@,;:\\\"/[]?={}".utf8.contains(byte)
                }
        }
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
