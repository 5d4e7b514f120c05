/// The name of one file in an object's hash directory: `<timestamp>.data` (the object's bytes
/// and metadata), `<timestamp>.ts` (a tombstone: deleted at that time) or `<timestamp>.meta`
/// (metadata from a POST), the timestamp in its internal form.
public struct ObjectFileName: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case data = ".data"
        case tombstone = ".ts"
        case meta = ".meta"
    }

    public var timestamp: SwiftTimestamp
    public var kind: Kind

    public init(timestamp: SwiftTimestamp, kind: Kind) {
        self.timestamp = timestamp
        self.kind = kind
    }

    /// Parses a file name; nil for anything that is not `<timestamp>.data|.ts|.meta`.
    public init?(_ name: String) {
        guard let dot = name.lastIndex(of: ".") else { return nil }
        guard let kind = Kind(rawValue: String(name[dot...])),
            let timestamp = SwiftTimestamp(String(name[..<dot]))
        else { return nil }
        self.init(timestamp: timestamp, kind: kind)
    }

    public var name: String { timestamp.internal + kind.rawValue }
    public var description: String { name }

    /// Newest first is the usual order; this is oldest first (timestamp, then kind name).
    public static func < (lhs: ObjectFileName, rhs: ObjectFileName) -> Bool {
        (lhs.timestamp, lhs.kind.rawValue) < (rhs.timestamp, rhs.kind.rawValue)
    }
}
