import StratusKit

/// Typed reads of a request body's fields, refusing what the schema of the microversion
/// does not allow, with Placement's "JSON does not validate" 400s.
struct PlacementBody: Sendable {
    let object: [String: JSONValue]

    init(_ object: [String: JSONValue]) { self.object = object }

    func has(_ key: String) -> Bool { object[key] != nil }

    /// 400 for any member not in `allowed` (the schemas' `additionalProperties: false`).
    func onlyAllow(_ allowed: Set<String>) throws {
        if let extra = object.keys.filter({ !allowed.contains($0) }).sorted().first {
            throw PlacementErrors.invalidBody("Additional properties are not allowed ('\(extra)' was unexpected)")
        }
    }

    func require(_ key: String) throws -> JSONValue {
        guard let value = object[key] else { throw PlacementErrors.invalidBody("'\(key)' is a required property") }
        return value
    }

    func string(_ key: String, maxLength: Int = 255, required: Bool = false) throws -> String? {
        guard let value = required ? try require(key) : object[key] else { return nil }
        guard let text = value.stringValue else { throw PlacementErrors.invalidBody("\(value.jsonText()) is not of type 'string'") }
        guard !text.isEmpty || maxLength == 0 else { throw PlacementErrors.invalidBody("'' is too short") }
        guard text.count <= maxLength else { throw PlacementErrors.invalidBody("'\(text)' is too long") }
        return text
    }

    /// A UUID member (null allowed when `nullable`), canonicalized.
    func uuid(_ key: String, nullable: Bool = false, required: Bool = false) throws -> String?? {
        guard let value = required ? try require(key) : object[key] else { return .none }
        if value.isNull {
            guard nullable else { throw PlacementErrors.invalidBody("None is not of type 'string'") }
            return .some(nil)
        }
        guard let text = value.stringValue, let uuid = PlacementNames.uuid(text) else {
            throw PlacementErrors.invalidBody("\(value.jsonText()) is not a 'uuid'")
        }
        return .some(uuid)
    }

    func int(_ key: String, minimum: Int64? = nil, maximum: Int64? = nil, required: Bool = false) throws -> Int64? {
        guard let value = required ? try require(key) : object[key] else { return nil }
        return try Self.integer(value, minimum: minimum, maximum: maximum)
    }

    static func integer(_ value: JSONValue, minimum: Int64? = nil, maximum: Int64? = nil) throws -> Int64 {
        let number: Int64
        if let int = value.intValue {
            number = int
        } else if case .double(let double) = value, double == double.rounded(), abs(double) < 9e18 {
            number = Int64(double)
        } else {
            throw PlacementErrors.invalidBody("\(value.jsonText()) is not of type 'integer'")
        }
        if let minimum, number < minimum {
            throw PlacementErrors.invalidBody("\(number) is less than the minimum of \(minimum)")
        }
        if let maximum, number > maximum {
            throw PlacementErrors.invalidBody("\(number) is greater than the maximum of \(maximum)")
        }
        return number
    }

    func number(_ key: String) throws -> Double? {
        guard let value = object[key] else { return nil }
        switch value {
        case .int(let int): return Double(int)
        case .double(let double): return double
        default: throw PlacementErrors.invalidBody("\(value.jsonText()) is not of type 'number'")
        }
    }

    func object(_ key: String, required: Bool = false) throws -> [String: JSONValue]? {
        guard let value = required ? try require(key) : object[key] else { return nil }
        guard let inner = value.objectValue else { throw PlacementErrors.invalidBody("\(value.jsonText()) is not of type 'object'") }
        return inner
    }

    func strings(_ key: String, required: Bool = false) throws -> [String]? {
        guard let value = required ? try require(key) : object[key] else { return nil }
        return try Self.strings(value)
    }

    static func strings(_ value: JSONValue) throws -> [String] {
        guard let items = value.arrayValue else { throw PlacementErrors.invalidBody("\(value.jsonText()) is not of type 'array'") }
        return try items.map { item in
            guard let text = item.stringValue else { throw PlacementErrors.invalidBody("\(item.jsonText()) is not of type 'string'") }
            return text
        }
    }
}
