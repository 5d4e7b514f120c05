import SQLKit

/// Typed column reads shared by every service's store. Booleans are read from either a
/// native boolean (PostgreSQL) or an integer (SQLite); times are BIGINT microseconds.
extension SQLRow {
    public func string(_ column: String) throws -> String { try decode(column: column, as: String.self) }
    public func optionalString(_ column: String) throws -> String? { try decode(column: column, as: String?.self) }
    public func int(_ column: String) throws -> Int { try decode(column: column, as: Int.self) }
    public func optionalInt64(_ column: String) throws -> Int64? { try decode(column: column, as: Int64?.self) }

    public func bool(_ column: String) throws -> Bool {
        if let value = try? decode(column: column, as: Bool.self) { return value }
        return try decode(column: column, as: Int.self) != 0
    }

    public func timestamp(_ column: String) throws -> Timestamp? {
        try decode(column: column, as: Int64?.self).map(Timestamp.init(microseconds:))
    }

    /// A JSON-object column ("extra" attributes); an unreadable value reads as empty.
    public func extra(_ column: String = "extra") throws -> [String: JSONValue] {
        JSONValue.parse(try string(column))?.objectValue ?? [:]
    }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// The object as compact JSON text, for a JSON column.
    public var jsonText: String { JSONValue.object(self).jsonText() }
}
