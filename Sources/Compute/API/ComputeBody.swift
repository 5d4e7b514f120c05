import StratusKit

/// Typed reads of one JSON object of a request body, refusing what the microversion's
/// schema does not allow with Nova's "Invalid input for field/attribute …" 400s.
struct ComputeBody: Sendable {
    /// The object's name in the body (`flavor`, `keypair`), used in messages.
    let name: String
    let object: [String: JSONValue]

    /// A whole body read as one object, `name` naming it in messages.
    init(name: String, object: [String: JSONValue]) {
        self.name = name
        self.object = object
    }

    /// The member `key` of a request body, which has to be an object.
    init(_ body: [String: JSONValue], member key: String) throws {
        guard let value = body[key] else { throw ComputeErrors.badRequest("'\(key)' is a required property") }
        guard let object = value.objectValue else {
            throw ComputeErrors.invalidInput(key, value, "\(value.jsonText()) is not of type 'object'")
        }
        name = key
        self.object = object
    }

    func has(_ key: String) -> Bool { object[key] != nil }

    /// 400 for any member not in `allowed` (the schemas' `additionalProperties: false`).
    func onlyAllow(_ allowed: Set<String>) throws {
        if let extra = object.keys.filter({ !allowed.contains($0) }).sorted().first {
            throw ComputeErrors.invalidInput(
                name, .object(object), "Additional properties are not allowed ('\(extra)' was unexpected)")
        }
    }

    func require(_ key: String) throws -> JSONValue {
        guard let value = object[key] else {
            throw ComputeErrors.invalidInput(name, .object(object), "'\(key)' is a required property")
        }
        return value
    }

    /// A string member of `minLength`…`maxLength` characters.
    func string(_ key: String, minLength: Int = 1, maxLength: Int = 255, required: Bool = false) throws -> String? {
        guard let value = required ? try require(key) : object[key] else { return nil }
        guard let text = value.stringValue else {
            throw ComputeErrors.invalidInput(key, value, "\(value.jsonText()) is not of type 'string'")
        }
        guard text.count >= minLength else { throw ComputeErrors.invalidInput(key, value, "'\(text)' is too short") }
        guard text.count <= maxLength else { throw ComputeErrors.invalidInput(key, value, "'\(text)' is too long") }
        return text
    }

    /// An integer member (a string of digits is accepted too) within the bounds.
    func integer(_ key: String, minimum: Int64, maximum: Int64 = 2_147_483_647, required: Bool = false) throws -> Int64? {
        guard let value = required ? try require(key) : object[key] else { return nil }
        let number: Int64
        if let int = value.intValue {
            number = int
        } else if case .double(let double) = value, double == double.rounded(), abs(double) < 9e18 {
            number = Int64(double)
        } else if let text = value.stringValue, !text.isEmpty, text.allSatisfy(\.isASCII), let parsed = Int64(text), parsed >= 0 {
            number = parsed
        } else {
            throw ComputeErrors.invalidInput(key, value, "\(value.jsonText()) is not of type 'integer', 'string'")
        }
        guard number >= minimum else {
            throw ComputeErrors.invalidInput(key, value, "\(number) is less than the minimum of \(minimum)")
        }
        guard number <= maximum else {
            throw ComputeErrors.invalidInput(key, value, "\(number) is greater than the maximum of \(maximum)")
        }
        return number
    }

    /// A number member greater than `exclusiveMinimum` (a decimal string is accepted too).
    func number(_ key: String, exclusiveMinimum: Double, maximum: Double) throws -> Double? {
        guard let value = object[key] else { return nil }
        let number: Double
        switch value {
        case .int(let int): number = Double(int)
        case .double(let double): number = double
        case .string(let text) where text.first?.isNumber == true && Double(text) != nil: number = Double(text)!
        default: throw ComputeErrors.invalidInput(key, value, "\(value.jsonText()) is not of type 'number', 'string'")
        }
        guard number > exclusiveMinimum else {
            throw ComputeErrors.invalidInput(key, value, "\(value.jsonText()) is less than or equal to the minimum of \(Int(exclusiveMinimum))")
        }
        guard number <= maximum else {
            throw ComputeErrors.invalidInput(key, value, "\(value.jsonText()) is greater than the maximum of \(maximum)")
        }
        return number
    }

    /// A boolean member; the strings Nova's schema accepts (`true`, `False`, `yes`, `0` …) too.
    func boolean(_ key: String) throws -> Bool? {
        guard let value = object[key] else { return nil }
        if let flag = value.boolValue { return flag }
        if let text = value.stringValue, let flag = BooleanText.parse(text) { return flag }
        throw ComputeErrors.invalidInput(key, value, "\(value.jsonText()) is not of type 'boolean', 'string'")
    }
}

/// The textual booleans Nova accepts in bodies and queries.
enum BooleanText {
    static func parse(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "1", "yes", "y", "on", "t": true
        case "false", "0", "no", "n", "off", "f": false
        default: nil
        }
    }
}
