import HTTPTypes
import Hummingbird
import StratusKit

/// What the account and container servers read from a request the way Swift's storage servers
/// read it: the path (percent-decoded, split into device, partition and names), query
/// parameters and the `X-Timestamp` header.
struct StorageRequest {
    let request: Request
    /// The decoded path segments after the leading `/` (see `split`).
    let segments: [String?]
    private let parameters: [String: [UInt8]]

    /// Splits the decoded path as Swift's `split_path(path, minimum, maximum, restWithLast)`:
    /// between `minimum` and `maximum` segments (missing ones are nil); with `restWithLast`, the
    /// last segment takes the rest of the path, slashes included (an object name). A path that
    /// is not UTF-8 is 412 (`invalidUTF8Message`), one with the wrong segments 400, as is an empty,
    /// `.` or `..` device or partition.
    init(_ request: Request, minimum: Int, maximum: Int, restWithLast: Bool, invalidUTF8Message: String) throws {
        self.request = request
        let rawPath = request.uri.path
        guard let path = String(validating: Self.percentDecoded(Substring(rawPath), plusIsSpace: false), as: UTF8.self),
            !path.isEmpty
        else {
            throw APIError(.preconditionFailed, invalidUTF8Message)
        }
        segments = try Self.split(path, minimum: minimum, maximum: maximum, restWithLast: restWithLast)
        for (index, kind) in ["device", "partition"].enumerated() {
            let value = segments[index] ?? ""
            if value.isEmpty || value.contains("/") || value == "." || value == ".." {
                throw APIError(.badRequest, "Invalid \(kind): \(Self.quote(value))")
            }
        }
        var parameters: [String: [UInt8]] = [:]
        for pair in (request.uri.query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = String(validating: Self.percentDecoded(parts[0], plusIsSpace: true), as: UTF8.self) else {
                continue
            }
            parameters[key] = parts.count > 1 ? Self.percentDecoded(parts[1], plusIsSpace: true) : []
        }
        self.parameters = parameters
    }

    var device: String { segments[0]! }
    var partition: String { segments[1]! }

    /// A query parameter (the last one when repeated); 400 when it is not UTF-8.
    func parameter(_ name: String) throws -> String? {
        guard let bytes = parameters[name] else { return nil }
        guard let value = String(validating: bytes, as: UTF8.self) else {
            throw APIError(.badRequest, "\"\(name)\" parameter not valid UTF-8")
        }
        return value
    }

    func header(_ name: String) -> String? {
        HTTPField.Name(name).flatMap { request.headers[$0] }
    }

    /// True for Swift's true values (`true`, `1`, `yes`, `on`, `t`, `y`, any case).
    static func isTrue(_ value: String?) -> Bool {
        guard let value else { return false }
        return ["true", "1", "yes", "on", "t", "y"].contains(value.lowercased())
    }

    /// The required `X-Timestamp` (400 when missing or malformed).
    func timestamp() throws -> SwiftTimestamp {
        guard let text = header("x-timestamp") else { throw APIError(.badRequest, "Missing X-Timestamp header") }
        guard let timestamp = SwiftTimestamp(text) else { throw APIError(.badRequest, "Invalid X-Timestamp header") }
        return timestamp
    }

    /// The listing parameters (`prefix`, `delimiter`, `marker`, `end_marker`, `limit`, `reverse`,
    /// and `path` for containers). A `limit` of digits above 10,000 is 412; anything else that is
    /// not digits means the default.
    func listingQuery(allowPath: Bool) throws -> ListingQuery {
        var limit = ListingQuery.maximumLimit
        if let given = try parameter("limit"), !given.isEmpty, given.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) {
            guard let value = Int(given), value <= ListingQuery.maximumLimit else {
                throw APIError(.preconditionFailed, "Maximum limit is \(ListingQuery.maximumLimit)")
            }
            limit = value
        }
        return ListingQuery(
            prefix: try parameter("prefix").flatMap { $0.isEmpty ? nil : $0 },
            delimiter: try parameter("delimiter").flatMap { $0.isEmpty ? nil : $0 },
            marker: try parameter("marker"),
            endMarker: try parameter("end_marker"),
            limit: limit,
            reverse: Self.isTrue(try parameter("reverse")),
            path: allowPath ? try parameter("path") : nil,
            allowReserved: Self.isTrue(header("x-backend-allow-reserved-names")))
    }

    /// The listing format from `format=` and `Accept` (400/406 as Swift answers).
    func listingFormat() throws -> ListingFormat {
        try ListingFormat.negotiate(format: try parameter("format"), accept: request.headers[.accept])
    }

    /// Swift's `split_path`.
    static func split(_ path: String, minimum: Int, maximum: Int, restWithLast: Bool) throws -> [String?] {
        let invalid = APIError(.badRequest, "Invalid path: \(quote(path))")
        var segments: [String]
        if restWithLast {
            segments = path.split(separator: "/", maxSplits: maximum, omittingEmptySubsequences: false).map(String.init)
            let count = segments.count
            if !segments[0].isEmpty || count < minimum + 1 || count > maximum + 1
                || segments[1..<(minimum + 1)].contains("")
            {
                throw invalid
            }
        } else {
            segments = path.split(separator: "/", maxSplits: maximum + 1, omittingEmptySubsequences: false).map(String.init)
            let count = segments.count
            if !segments[0].isEmpty || count < minimum + 1 || count > maximum + 2
                || segments[1..<min(minimum + 1, count)].contains("")
                || (count == maximum + 2 && !segments[maximum + 1].isEmpty)
            {
                throw invalid
            }
        }
        var result: [String?] = Array(segments[1..<min(segments.count, maximum + 1)])
        if result.dropLast().contains(where: { $0 == "" }) { throw invalid }
        while result.count < maximum { result.append(nil) }
        return result
    }

    /// `%XX` escapes decoded to bytes (malformed escapes are kept as they are), `+` as a space
    /// in query strings.
    static func percentDecoded(_ text: Substring, plusIsSpace: Bool) -> [UInt8] {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 48...57: byte - 48
            case 65...70: byte - 55
            case 97...102: byte - 87
            default: nil
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 37, index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(plusIsSpace && byte == 43 ? 32 : byte)
                index += 1
            }
        }
        return output
    }

    /// Python's `urllib.parse.quote` (letters, digits, `_.-~` and `/` as they are; other bytes as `%XX`).
    static func quote(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case 48...57, 65...90, 97...122, 95, 46, 45, 126, 47: output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF")
                output += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 15)])
            }
        }
        return output
    }
}
