import StratusKit

/// A node of the EC2-style metadata tree (`/latest/meta-data/…`). A directory lists its
/// children one per line, sorted, a sub-directory with a trailing `/` unless it has a
/// listing name of its own (`public-keys/` lists `0=mykey`); a value prints as text, a
/// list one item per line.
indirect enum EC2MetadataNode: Sendable, Equatable {
    case value(JSONValue)
    case bytes([UInt8])
    case directory([String: EC2MetadataNode], listingName: String? = nil)

    /// The node at `path` below this one; nil when there is none.
    func find(_ path: ArraySlice<String>) -> EC2MetadataNode? {
        guard let first = path.first else { return self }
        guard case .directory(let children, _) = self, let child = children[first] else { return nil }
        return child.find(path.dropFirst())
    }

    /// The text answer of a GET on this node.
    var rendered: [UInt8] {
        switch self {
        case .bytes(let bytes):
            return bytes
        case .value(let value):
            return Array(Self.text(value).utf8)
        case .directory(let children, _):
            let lines = children.keys.sorted().map { key -> String in
                guard case .directory(_, let listingName) = children[key]! else { return key }
                return listingName ?? key + "/"
            }
            return Array(lines.joined(separator: "\n").utf8)
        }
    }

    /// The node as JSON, as the config drive's `ec2/<version>/meta-data.json` holds it.
    var json: JSONValue {
        switch self {
        case .bytes(let bytes): .string(String(decoding: bytes, as: UTF8.self))
        case .value(let value): value
        case .directory(let children, _): .object(children.mapValues(\.json))
        }
    }

    private static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): text
        case .int(let number): String(number)
        case .bool(let flag): flag ? "True" : "False"
        case .array(let items): items.map(text).joined(separator: "\n")
        case .null: "None"
        default: value.jsonText()
        }
    }
}
