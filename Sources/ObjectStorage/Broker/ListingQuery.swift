/// The parameters of an account or container listing, as Swift takes them from the query string.
public struct ListingQuery: Sendable, Equatable {
    /// Only names starting with this.
    public var prefix: String?
    /// Names with this after the prefix are rolled up into one `subdir` entry (up to and
    /// including the delimiter).
    public var delimiter: String?
    /// Only names after this (before it, with `reverse`).
    public var marker: String?
    /// Only names before this (after it, with `reverse`).
    public var endMarker: String?
    public var limit: Int
    /// Descending order.
    public var reverse: Bool
    /// Containers only: the names directly under a pseudo-directory (`path=photos` lists
    /// `photos/a.jpg` but neither `photos/2024/b.jpg` nor a subdir for it); sets prefix
    /// `path + "/"` and delimiter `/`.
    public var path: String?
    /// Include names in the reserved namespace (starting with a NUL), which Swift hides from
    /// listings unless asked (`X-Backend-Allow-Reserved-Names`).
    public var allowReserved: Bool

    public init(
        prefix: String? = nil, delimiter: String? = nil, marker: String? = nil, endMarker: String? = nil,
        limit: Int = ListingQuery.maximumLimit, reverse: Bool = false, path: String? = nil, allowReserved: Bool = false
    ) {
        self.prefix = prefix
        self.delimiter = delimiter
        self.marker = marker
        self.endMarker = endMarker
        self.limit = limit
        self.reverse = reverse
        self.path = path
        self.allowReserved = allowReserved
    }

    /// Swift's `CONTAINER_LISTING_LIMIT` and `ACCOUNT_LISTING_LIMIT`: the default and the most a
    /// listing returns; asking for more is 412 Precondition Failed.
    public static let maximumLimit = 10_000
}

/// One line of a listing: a row, or a pseudo-directory rolled up by the delimiter.
public enum ListingEntry<Row: Sendable>: Sendable {
    case row(Row)
    case subdir(String)
}

/// A condition on the `name` column for one listing query.
struct NameCondition: Sendable, Equatable {
    enum Comparison: String, Sendable {
        case less = "<"
        case greater = ">"
        case greaterOrEqual = ">="
    }

    var comparison: Comparison
    var value: String

    var sql: String { "name \(comparison.rawValue) ?" }
}

/// How Swift walks a listing with a delimiter: query the next names in order, return rows up to
/// the delimiter, and when a name has the delimiter after the prefix, emit its pseudo-directory
/// once and restart the query past everything under it. Without a delimiter the first query is
/// the answer. Shared by account and container databases; `fetch` runs one query (conditions on
/// `name`, at most `limit` rows, in the query's order).
enum ListingWalk {
    static func run<Row: Sendable>(
        _ query: ListingQuery, name: (Row) -> String,
        fetch: ([NameCondition], Int) async throws -> [Row]
    ) async throws -> [ListingEntry<Row>] {
        let limit = query.limit
        var marker = query.marker ?? ""
        var endMarker = query.endMarker ?? ""
        if query.reverse { swap(&marker, &endMarker) }
        var prefix = query.prefix
        var delimiter = query.delimiter ?? ""
        var path: String? = nil
        if let requested = query.path {
            var directory = requested
            if !directory.isEmpty {
                while directory.hasSuffix("/") { directory.removeLast() }
                directory += "/"
            }
            prefix = directory
            path = directory
            delimiter = "/"
        } else if !delimiter.isEmpty, prefix == nil {
            prefix = ""
        }
        let endPrefix = prefix.flatMap { $0.isEmpty ? nil : NameOrder.successor(ofLastScalarIn: $0) }
        let originalMarker = marker
        let delimiterBytes = Array(delimiter.utf8)
        let prefixLength = prefix?.utf8.count ?? 0
        var forceInclusive = false
        var results: [ListingEntry<Row>] = []

        while results.count < limit {
            var conditions: [NameCondition] = []
            let hasPrefix = !(prefix ?? "").isEmpty
            if !endMarker.isEmpty, !hasPrefix || endPrefix.map({ NameOrder.less(endMarker, $0) }) ?? true {
                conditions.append(NameCondition(comparison: .less, value: endMarker))
            } else if hasPrefix, let endPrefix {
                conditions.append(NameCondition(comparison: .less, value: endPrefix))
            }
            if forceInclusive {
                conditions.append(NameCondition(comparison: .greaterOrEqual, value: marker))
                forceInclusive = false
            } else if !marker.isEmpty, !hasPrefix || !NameOrder.less(marker, prefix!) {
                conditions.append(NameCondition(comparison: .greater, value: marker))
            } else if hasPrefix {
                conditions.append(NameCondition(comparison: .greaterOrEqual, value: prefix!))
            }
            if !query.allowReserved {
                conditions.append(NameCondition(comparison: .greaterOrEqual, value: "\u{1}"))
            }
            let rows = try await fetch(conditions, limit - results.count)
            guard prefix != nil, !delimiter.isEmpty else { return rows.map { .row($0) } }

            for row in rows {
                let rowName = name(row)
                if query.reverse { endMarker = rowName } else { marker = rowName }
                if results.count >= limit { return results }
                let bytes = Array(rowName.utf8)
                let end = NameOrder.find(delimiterBytes, in: bytes, from: prefixLength)
                if let path {
                    if rowName.utf8.elementsEqual(path.utf8) { continue }
                    if let end, bytes.count > end + delimiterBytes.count {
                        // Deeper than the path: skip everything under this pseudo-directory.
                        if query.reverse {
                            endMarker = String(decoding: bytes[..<(end + delimiterBytes.count)], as: UTF8.self)
                        } else {
                            marker = pastDirectory(bytes, end: end, delimiter: delimiter)
                        }
                        break
                    }
                } else if let end {
                    if query.reverse {
                        endMarker = String(decoding: bytes[..<(end + delimiterBytes.count)], as: UTF8.self)
                    } else {
                        marker = pastDirectory(bytes, end: end, delimiter: delimiter)
                        forceInclusive = true
                    }
                    let directory = String(decoding: bytes[..<(end + delimiterBytes.count)], as: UTF8.self)
                    if !directory.utf8.elementsEqual(originalMarker.utf8) { results.append(.subdir(directory)) }
                    break
                }
                results.append(.row(row))
            }
            if rows.isEmpty { break }
        }
        return results
    }

    /// The name just past a pseudo-directory: the name up to the delimiter, then the delimiter
    /// with its last code point incremented (`photos/` → `photos0`).
    private static func pastDirectory(_ bytes: [UInt8], end: Int, delimiter: String) -> String {
        String(decoding: bytes[..<end], as: UTF8.self) + (NameOrder.successor(ofLastScalarIn: delimiter) ?? delimiter)
    }
}
