import Foundation

/// A container listing body in the three formats, byte for byte as Swift's container server
/// writes them:
///
/// - JSON: `[{"bytes": 5, "hash": "<etag>", "name": "o", "content_type": "text/plain", "last_modified": "2014-01-17T15:59:33.359640"}, {"subdir": "photos/"}]`
/// - XML: `<?xml version="1.0" encoding="UTF-8"?>` newline `<container name="c"><object><name>o</name><hash>…</hash><bytes>5</bytes><content_type>…</content_type><last_modified>…</last_modified></object><subdir name="photos/"><name>photos/</name></subdir></container>`
///   (`<container name="c" />` when empty)
/// - plain text: one name (or subdir) per line.
///
/// A `swift_bytes=N` parameter of the content type (large-object manifests) replaces `bytes` and
/// is removed from the content type; other parameters are kept as `;key=value`.
enum ContainerListing {
    static func body(_ entries: [ListingEntry<ObjectRecord>], container: String, format: ListingFormat) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(entries.count * (format == .plain ? 24 : 180) + 64)
        switch format {
        case .plain:
            for entry in entries {
                switch entry {
                case .row(let record): output.append(contentsOf: record.name.utf8)
                case .subdir(let name): output.append(contentsOf: name.utf8)
                }
                output.append(10)
            }
        case .json:
            output.append(UInt8(ascii: "["))
            for (index, entry) in entries.enumerated() {
                if index > 0 { output.append(contentsOf: [44, 32]) }
                switch entry {
                case .subdir(let name):
                    PythonJSON.appendObject([("subdir", .string(name))], to: &output)
                case .row(let record):
                    let (contentType, bytes) = listed(record)
                    PythonJSON.appendObject(
                        [
                            ("bytes", .int(bytes)), ("hash", .string(record.etag)), ("name", .string(record.name)),
                            ("content_type", .string(contentType)), ("last_modified", .string(record.createdAt.isoformat)),
                        ], to: &output)
                }
            }
            output.append(UInt8(ascii: "]"))
        case .xml, .textXML:
            output.append(contentsOf: XMLText.declaration)
            output.append(contentsOf: "<container name=\"".utf8)
            XMLText.appendAttribute(container, to: &output)
            guard !entries.isEmpty else {
                output.append(contentsOf: "\" />".utf8)
                return output
            }
            output.append(contentsOf: "\">".utf8)
            for entry in entries {
                switch entry {
                case .subdir(let name):
                    output.append(contentsOf: "<subdir name=\"".utf8)
                    XMLText.appendAttribute(name, to: &output)
                    output.append(contentsOf: "\">".utf8)
                    XMLText.appendElement("name", name, to: &output)
                    output.append(contentsOf: "</subdir>".utf8)
                case .row(let record):
                    let (contentType, bytes) = listed(record)
                    output.append(contentsOf: "<object>".utf8)
                    XMLText.appendElement("name", record.name, to: &output)
                    XMLText.appendElement("hash", record.etag, to: &output)
                    XMLText.appendElement("bytes", String(bytes), to: &output)
                    XMLText.appendElement("content_type", contentType, to: &output)
                    XMLText.appendElement("last_modified", record.createdAt.isoformat, to: &output)
                    output.append(contentsOf: "</object>".utf8)
                }
            }
            output.append(contentsOf: "</container>".utf8)
        }
        return output
    }

    /// The content type and size a listing shows for a row.
    static func listed(_ record: ObjectRecord) -> (contentType: String, bytes: Int64) {
        guard record.contentType.contains(";") else { return (record.contentType, record.size) }
        let (contentType, swiftBytes) = extractSwiftBytes(record.contentType)
        return (contentType, swiftBytes.flatMap { Int64($0) } ?? record.size)
    }

    /// RFC 2616 parameters after the first `;` (Swift's `parse_content_type`).
    private static let parameterPattern = try! NSRegularExpression(
        pattern: #"(?:\s*;\s*([^()<>@,;:\"/\[\]?={}\x00-\x20\x7f]+)\s*(?:=\s*([^()<>@,;:\"/\[\]?={}\x00-\x20\x7f]+|"(?:[^"\\]|\\.)*"))?)"#)

    /// The content type without its `swift_bytes` parameter, and that parameter's value.
    static func extractSwiftBytes(_ value: String) -> (String, String?) {
        guard let semicolon = value.firstIndex(of: ";") else { return (value, nil) }
        var contentType = String(value[..<semicolon])
        let parameters = String(value[semicolon...]) as NSString
        var swiftBytes: String? = nil
        for match in parameterPattern.matches(in: parameters as String, range: NSRange(location: 0, length: parameters.length)) {
            let key = parameters.substring(with: match.range(at: 1)).trimmingCharacters(in: .whitespaces)
            let valueRange = match.range(at: 2)
            let parameter = valueRange.location == NSNotFound ? "" : parameters.substring(with: valueRange).trimmingCharacters(in: .whitespaces)
            if key == "swift_bytes" {
                swiftBytes = parameter
            } else {
                contentType += ";\(key)=\(parameter)"
            }
        }
        return (contentType, swiftBytes)
    }
}
