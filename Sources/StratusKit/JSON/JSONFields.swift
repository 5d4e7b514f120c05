/// Typed, validated reads of a JSON object's fields, with 400 errors that name the field.
public struct JSONFields: Sendable {
    public let object: [String: JSONValue]
    /// The enclosing object's name, used in messages ("user", "project" ...).
    public let name: String

    public init(_ object: [String: JSONValue], name: String) {
        self.object = object
        self.name = name
    }

    /// `body[key]` as an object, or a 400 when it is missing or not an object.
    public static func require(_ body: [String: JSONValue], _ key: String) throws -> JSONFields {
        guard let value = body[key] else {
            throw APIError.badRequest("Expecting to find \(key) in request body.")
        }
        guard let object = value.objectValue else {
            throw APIError.badRequest("Invalid input for field '\(key)': \(value.typeName) is not of type 'object'.")
        }
        return JSONFields(object, name: key)
    }

    public func has(_ key: String) -> Bool { object[key] != nil }

    private func typeError(_ key: String, _ value: JSONValue, _ expected: String) -> APIError {
        APIError.badRequest("Invalid input for field '\(key)' of \(name): \(value.typeName) is not of type '\(expected)'.")
    }

    public func string(_ key: String, maxLength: Int = 255) throws -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw typeError(key, value, "string") }
        guard text.count <= maxLength else {
            throw APIError.badRequest("Invalid input for field '\(key)' of \(name): longer than \(maxLength) characters.")
        }
        return text
    }

    public func requiredString(_ key: String, maxLength: Int = 255, allowEmpty: Bool = false) throws -> String {
        guard let text = try string(key, maxLength: maxLength) else {
            throw APIError.badRequest("Invalid input for field '\(key)': '\(key)' is a required property of \(name).")
        }
        guard allowEmpty || !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw APIError.badRequest("Invalid input for field '\(key)' of \(name): it must not be empty.")
        }
        return text
    }

    public func bool(_ key: String) throws -> Bool? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let flag = value.boolValue else { throw typeError(key, value, "boolean") }
        return flag
    }

    public func stringArray(_ key: String) throws -> [String]? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let items = value.arrayValue else { throw typeError(key, value, "array") }
        return try items.map { item in
            guard let text = item.stringValue else { throw typeError(key, item, "string") }
            return text
        }
    }

    public func objectArray(_ key: String) throws -> [JSONFields]? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let items = value.arrayValue else { throw typeError(key, value, "array") }
        return try items.map { item in
            guard let inner = item.objectValue else { throw typeError(key, item, "object") }
            return JSONFields(inner, name: key)
        }
    }

    public func nested(_ key: String) throws -> JSONFields? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let inner = value.objectValue else { throw typeError(key, value, "object") }
        return JSONFields(inner, name: key)
    }

    /// The fields not in `known`: free-form attributes kept as they came.
    public func extra(excluding known: Set<String>) -> [String: JSONValue] {
        object.filter { !known.contains($0.key) }
    }
}
