import Foundation
import StratusKit

/// Reads the bodies of volume actions and of the metadata API the way Cinder's JSON schemas
/// check them, with their messages: `Invalid input for field/attribute <field>. Value:
/// <value>. <reason>`, where the value and reason show values as Python writes them (the
/// wording clients and tests compare against).
enum ActionBody {
    /// Cinder's spellings of a boolean (`parameter_types.boolean`).
    static let trueWords: Set<String> = ["True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes", "y", "t"]
    static let falseWords: Set<String> = ["False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no", "n", "f"]

    static func invalid(_ field: String, _ value: JSONValue, _ reason: String) -> APIError {
        BlockStorageErrors.badRequest("Invalid input for field/attribute \(field). Value: \(text(value)). \(reason)")
    }

    /// The action's value as an object with only `allowed` keys and every `required` one.
    static func fields(_ name: String, _ value: JSONValue, allowed: Set<String>, required: [String]) throws -> JSONFields {
        guard let object = value.objectValue else {
            throw invalid(name, value, "\(repr(value)) is not of type 'object'")
        }
        if let extra = object.keys.filter({ !allowed.contains($0) }).sorted().first {
            throw invalid(name, value, "Additional properties are not allowed ('\(extra)' was unexpected)")
        }
        if let missing = required.first(where: { object[$0] == nil }) {
            throw invalid(name, value, "'\(missing)' is a required property")
        }
        return JSONFields(object, name: name)
    }

    /// `parameter_types.volume_size`: an integer ≥ 1, or a string of digits.
    static func volumeSize(_ fields: JSONFields, _ key: String) throws -> Int64 {
        let value = fields.object[key] ?? .null
        let number: Int64
        if let integer = value.intValue {
            number = integer
        } else if let text = value.stringValue {
            guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), let parsed = Int64(text) else {
                throw invalid(key, value, "\(repr(value)) does not match '^[0-9]+$'")
            }
            number = parsed
        } else {
            throw invalid(key, value, "\(repr(value)) is not of type 'integer', 'string'")
        }
        guard number >= 1 else { throw invalid(key, value, "\(repr(value)) is less than the minimum of 1") }
        return number
    }

    static func string(_ fields: JSONFields, _ key: String, minLength: Int = 0, nullable: Bool = false) throws -> String? {
        guard let value = fields.object[key] else { return nil }
        if value.isNull, nullable { return nil }
        guard let text = value.stringValue else { throw invalid(key, value, "\(repr(value)) is not of type 'string'") }
        guard text.count >= minLength else { throw invalid(key, value, "\(repr(value)) is too short") }
        guard text.count <= 255 else { throw invalid(key, value, "\(repr(value)) is too long") }
        return text
    }

    static func boolean(_ fields: JSONFields, _ key: String) throws -> Bool? {
        guard let value = fields.object[key] else { return nil }
        if let flag = value.boolValue { return flag }
        if let text = value.stringValue {
            if trueWords.contains(text) { return true }
            if falseWords.contains(text) { return false }
        }
        let words = ["True"] + trueWords.sorted().map { "'\($0)'" } + ["False"] + falseWords.sorted().map { "'\($0)'" }
        throw invalid(key, value, "\(repr(value)) is not one of [\(words.joined(separator: ", "))]")
    }

    /// One of `os-reset_status`'s optional fields: a string among `allowed` (any case), or nil.
    static func resetValue(_ fields: JSONFields, _ key: String, format: String, allowed: [String]) throws -> String? {
        guard let value = fields.object[key], !value.isNull else { return nil }
        guard let text = value.stringValue else {
            throw invalid(key, value, "\(repr(value)) is not of type 'string', 'null'")
        }
        if text.isEmpty { return nil }
        guard allowed.contains(text.lowercased()) else { throw invalid(key, value, "\(repr(value)) is not a '\(format)'") }
        return text.lowercased()
    }

    /// A metadata object (`parameter_types.extra_specs`): keys of 1–255 characters from
    /// `[a-zA-Z0-9-_:. /]`, string values up to `valueLimit` characters.
    static func metadata(_ value: JSONValue, name: String, valueLimit: Int = 255) throws -> [String: String] {
        guard let object = value.objectValue else { throw invalid(name, value, "\(repr(value)) is not of type 'object'") }
        let keyCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:. /")
        var result: [String: String] = [:]
        for key in object.keys.sorted() {
            guard !key.isEmpty, key.count <= 255, key.unicodeScalars.allSatisfy(keyCharacters.contains) else {
                throw invalid(name, value, "Additional properties are not allowed ('\(key)' was unexpected)")
            }
            let item = object[key]!
            guard let text = item.stringValue else { throw invalid(key, item, "\(repr(item)) is not of type 'string'") }
            guard text.count <= valueLimit else { throw invalid(key, item, "\(repr(item)) is too long") }
            result[key] = text
        }
        return result
    }

    /// The value as `%s` prints it in Python: strings bare, everything else as `repr`.
    static func text(_ value: JSONValue) -> String {
        value.stringValue ?? repr(value)
    }

    /// The value as Python's `repr` writes the decoded JSON (`'a'`, `True`, `None`, `{'k': 1}`).
    static func repr(_ value: JSONValue) -> String {
        switch value {
        case .null: return "None"
        case .bool(let flag): return flag ? "True" : "False"
        case .string(let text): return "'" + text.replacingOccurrences(of: "'", with: "\\'") + "'"
        case .array(let items): return "[" + items.map(repr).joined(separator: ", ") + "]"
        case .object(let object):
            return "{" + object.keys.sorted().map { "'\($0)': \(repr(object[$0]!))" }.joined(separator: ", ") + "}"
        default: return value.jsonText()
        }
    }
}
