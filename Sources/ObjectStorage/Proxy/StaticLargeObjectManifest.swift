import Foundation
import NIOCore
import StratusKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One entry of a stored SLO manifest (the JSON the manifest object holds): an object segment
/// `name` (`/container/object`), its size and ETag when the manifest was made, the inclusive
/// byte range used (if not all of it), whether it is itself an SLO, or inline `data`.
struct SLOSegment: Sendable {
    var name: String = ""
    var bytes: Int64 = 0
    var hash: String = ""
    var range: ClosedRange<Int64>?
    var subSLO = false
    var data: [UInt8]?

    /// How many bytes the segment adds to the large object.
    var segmentLength: Int64 {
        if let data { return Int64(data.count) }
        if let range { return range.upperBound - range.lowerBound + 1 }
        return bytes
    }

    /// What the segment adds to the large object's ETag (Swift: the ETag, `etag:range;` for
    /// a ranged segment, the MD5 of inline data).
    var etagContribution: String {
        if let data { return SwiftText.md5Hex(data) }
        if let range { return "\(hash):\(range.lowerBound)-\(range.upperBound);" }
        return hash
    }
}

/// A client's manifest (`PUT ?multipart-manifest=put`), checked entry by entry as Swift's
/// `parse_and_validate_input` checks it.
struct SLOInputSegment: Sendable {
    var path: String?
    var etag: String?
    var sizeBytes: Int64?
    var range: ByteRanges?
    var data: [UInt8]?
}

enum SLOManifest {
    static let maxRecursionDepth = 10

    /// The large object's ETag (MD5 hex) and size from its segments.
    static func etagAndSize(_ segments: [SLOSegment]) -> (etag: String, size: Int64) {
        var text = ""
        var size: Int64 = 0
        for segment in segments {
            text += segment.etagContribution
            size += segment.segmentLength
        }
        return (SwiftText.md5Hex(Array(text.utf8)), size)
    }

    enum ParseError: Error {
        case invalid(String)
    }

    /// Reads a stored manifest.
    static func parseStored(_ bytes: [UInt8]) throws -> [SLOSegment] {
        guard let items = (try? JSONValue.parse(bytes: bytes))?.arrayValue else {
            throw ParseError.invalid("Unable to load SLO manifest")
        }
        return try items.map { item in
            guard let entry = item.objectValue else { throw ParseError.invalid("Unable to load SLO manifest") }
            var segment = SLOSegment()
            if let data = entry["data"]?.stringValue {
                guard let decoded = decodeBase64(data) else { throw ParseError.invalid("Unable to load SLO manifest") }
                segment.data = decoded
                return segment
            }
            guard let name = entry["name"]?.stringValue else { throw ParseError.invalid("Unable to load SLO manifest") }
            segment.name = name
            segment.bytes = integer(entry["bytes"]) ?? 0
            segment.hash = entry["hash"]?.stringValue ?? ""
            if let range = entry["range"]?.stringValue {
                let bounds = range.split(separator: "-").compactMap { Int64($0) }
                guard bounds.count == 2, bounds[0] <= bounds[1] else { throw ParseError.invalid("Unable to load SLO manifest") }
                segment.range = bounds[0]...bounds[1]
            }
            switch entry["sub_slo"] {
            case .bool(let value)?: segment.subSLO = value
            case .string(let value)?: segment.subSLO = SwiftText.isTrue(value)
            default: break
            }
            return segment
        }
    }

    static func integer(_ value: JSONValue?) -> Int64? {
        switch value {
        case .int(let number)?: number
        case .double(let number)?: number.isFinite ? Int64(number) : nil
        case .string(let text)?: Int64(text.trimmingCharacters(in: .whitespaces))
        default: nil
        }
    }

    static func decodeBase64(_ text: String) -> [UInt8]? {
        var padded = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if padded.count % 4 != 0 { padded += String(repeating: "=", count: 4 - padded.count % 4) }
        return Data(base64Encoded: padded).map { [UInt8]($0) }
    }

    /// Checks a client's manifest. The messages are Swift's, one line each, for a 400
    /// (`text/plain`); `topLevel` is for a body that is not a JSON list at all.
    static func parseInput(_ bytes: [UInt8], manifestContainer: String, manifestObject: String) -> Result<
        [SLOInputSegment], InputError
    > {
        guard let document = try? JSONValue.parse(bytes: bytes) else { return .failure(.topLevel("Manifest must be valid JSON.\n")) }
        guard let items = document.arrayValue else { return .failure(.topLevel("Manifest must be a list.\n")) }
        var errors: [String] = []
        var segments: [SLOInputSegment] = []
        for (index, item) in items.enumerated() {
            guard let entry = item.objectValue else {
                errors.append("Index \(index): not a JSON object")
                continue
            }
            let type: String
            if entry["data"] != nil {
                type = "data"
            } else if entry["path"] != nil {
                type = "path"
            } else {
                errors.append("Index \(index): expected keys to include one of 'data' or 'path'")
                continue
            }
            let allowed: Set<String> = type == "data" ? ["data"] : ["path", "range", "etag", "size_bytes"]
            let extraneous = entry.keys.filter { !allowed.contains($0) }.sorted()
            if !extraneous.isEmpty {
                let names = extraneous.map { key -> String in
                    var output: [UInt8] = []
                    PythonJSON.appendString(key, to: &output)
                    return String(decoding: output, as: UTF8.self)
                }
                errors.append("Index \(index): extraneous keys \(names.joined(separator: ", "))")
                continue
            }
            var segment = SLOInputSegment()
            if type == "data" {
                guard let text = entry["data"]?.stringValue, let data = decodeBase64(text) else {
                    errors.append("Index \(index): data must be valid base64")
                    continue
                }
                if data.isEmpty {
                    errors.append("Index \(index): too small; each segment must be at least 1 byte.")
                    continue
                }
                segment.data = data
                segments.append(segment)
                continue
            }
            guard let path = entry["path"]?.stringValue else {
                errors.append("Index \(index): \"path\" must be a string")
                continue
            }
            switch entry["etag"] {
            case nil, .null?: break
            case .string(let etag)?: segment.etag = etag
            default:
                errors.append("Index \(index): \"etag\" must be a string or null (if provided)")
                continue
            }
            let stripped = path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            guard stripped.contains("/") else {
                errors.append("Index \(index): path does not refer to an object. Path must be of the form /container/object.")
                continue
            }
            if let size = entry["size_bytes"], size != .null {
                guard let value = integer(size) else {
                    errors.append("Index \(index): invalid size_bytes")
                    continue
                }
                if value < 1 && index != items.count - 1 {
                    errors.append("Index \(index): too small; each segment must be at least 1 byte.")
                    continue
                }
                segment.sizeBytes = value
            }
            if let names = ProxyServer.splitContainerObject(path), names.container == manifestContainer,
                names.object == manifestObject
            {
                errors.append("Index \(index): manifest must not include itself as a segment")
                continue
            }
            if let rangeValue = entry["range"], rangeValue != .null, rangeValue != .string("") {
                guard let text = rangeValue.stringValue, let ranges = ByteRanges(header: "bytes=" + text) else {
                    errors.append("Index \(index): invalid range")
                    continue
                }
                if ranges.specs.count > 1 {
                    errors.append("Index \(index): multiple ranges (only one allowed)")
                    continue
                }
                if let size = segment.sizeBytes, ranges.ranges(forLength: size).count != 1 {
                    errors.append("Index \(index): unsatisfiable range")
                    continue
                }
                segment.range = ranges
            }
            segment.path = path
            segments.append(segment)
        }
        if !items.isEmpty, items.allSatisfy({ $0.objectValue?["data"] != nil }) {
            errors.append("Inline data segments require at least one object-backed segment.")
        }
        if !errors.isEmpty { return .failure(.entries(errors.map { $0 + "\n" }.joined())) }
        return .success(segments)
    }

    enum InputError: Error {
        /// Not a JSON list (swob's default HTML page carries the message).
        case topLevel(String)
        /// Problems with entries, one line each (`text/plain`).
        case entries(String)
    }

    /// The stored manifest, written as Swift's `json.dumps` writes it.
    static func encodeStored(_ segments: [SLOSegment], contentTypes: [String?], lastModified: [String?]) -> [UInt8] {
        var output: [UInt8] = [UInt8(ascii: "[")]
        for (index, segment) in segments.enumerated() {
            if index > 0 { output.append(contentsOf: [44, 32]) }
            if let data = segment.data {
                appendFields([("data", .string(Data(data).base64EncodedString()))], to: &output)
                continue
            }
            var fields: [(String, Field)] = [
                ("name", .string(segment.name)), ("bytes", .int(segment.bytes)), ("hash", .string(segment.hash)),
                ("content_type", contentTypes[index].map(Field.string) ?? .null),
                ("last_modified", lastModified[index].map(Field.string) ?? .null),
            ]
            if let range = segment.range { fields.append(("range", .string("\(range.lowerBound)-\(range.upperBound)"))) }
            if segment.subSLO { fields.append(("sub_slo", .bool(true))) }
            appendFields(fields, to: &output)
        }
        output.append(UInt8(ascii: "]"))
        return output
    }

    /// `?multipart-manifest=get&format=raw`: the manifest as a client would PUT it (`path`,
    /// `etag`, `size_bytes`, `range`; keys sorted).
    static func encodeRaw(_ segments: [SLOSegment]) -> [UInt8] {
        var output: [UInt8] = [UInt8(ascii: "[")]
        for (index, segment) in segments.enumerated() {
            if index > 0 { output.append(contentsOf: [44, 32]) }
            if let data = segment.data {
                appendFields([("data", .string(Data(data).base64EncodedString()))], to: &output)
                continue
            }
            var fields: [(String, Field)] = [("etag", .string(segment.hash)), ("path", .string(segment.name))]
            if let range = segment.range { fields.append(("range", .string("\(range.lowerBound)-\(range.upperBound)"))) }
            fields.append(("size_bytes", .int(segment.bytes)))
            appendFields(fields, to: &output)
        }
        output.append(UInt8(ascii: "]"))
        return output
    }

    enum Field {
        case string(String)
        case int(Int64)
        case bool(Bool)
        case null
        case list([[String]])
    }

    /// A JSON object as Python writes it (`", "`, `": "`, keys in the order given).
    static func appendFields(_ fields: [(String, Field)], to output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { output.append(contentsOf: [44, 32]) }
            PythonJSON.appendString(key, to: &output)
            output.append(contentsOf: [58, 32])
            switch value {
            case .string(let text): PythonJSON.appendString(text, to: &output)
            case .int(let number): output.append(contentsOf: String(number).utf8)
            case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
            case .null: output.append(contentsOf: "null".utf8)
            case .list(let rows):
                output.append(UInt8(ascii: "["))
                for (rowIndex, row) in rows.enumerated() {
                    if rowIndex > 0 { output.append(contentsOf: [44, 32]) }
                    output.append(UInt8(ascii: "["))
                    for (itemIndex, item) in row.enumerated() {
                        if itemIndex > 0 { output.append(contentsOf: [44, 32]) }
                        PythonJSON.appendString(item, to: &output)
                    }
                    output.append(UInt8(ascii: "]"))
                }
                output.append(UInt8(ascii: "]"))
            }
        }
        output.append(UInt8(ascii: "}"))
    }

    /// `2025-01-02T03:04:05.000000`, the `last_modified` of a manifest entry (from the
    /// segment's `Last-Modified`, which has whole seconds).
    static func listingDate(_ seconds: Int64) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).000000"
    }
}
