import Foundation
import StratusKit

/// One operation of an image update (`application/openstack-images-v2.1-json-patch`, or
/// the older 2.0 form `{"replace": "/name", "value": ...}`), on a top-level attribute:
/// a core one (name, visibility, …) or a custom property.
struct ImagePatchOperation: Sendable {
    enum Kind: String, Sendable { case add, replace, remove }

    var kind: Kind
    var attribute: String
    var value: JSONValue?
    /// The 2.0 patch form, where `add` of an existing property is a conflict.
    var legacy = false

    static let readOnly: Set<String> = [
        "id", "status", "checksum", "os_hash_algo", "os_hash_value", "size", "virtual_size", "created_at",
        "updated_at", "self", "file", "schema", "direct_url",
    ]
    /// Shown in the image but derived from where its data is: openstacksdk's update diff
    /// asks to remove it, so changes to it are ignored rather than refused.
    static let derived: Set<String> = ["stores"]
    static let reserved: Set<String> = ["location", "locations", "deleted", "deleted_at"]
    /// Core attributes: set and replaced, never removed.
    static let core: Set<String> = [
        "name", "visibility", "protected", "os_hidden", "min_disk", "min_ram", "disk_format", "container_format",
        "tags", "owner",
    ]

    /// Parses the request body (a JSON array of operations).
    static func parse(_ body: JSONValue, mediaType: String) throws -> [ImagePatchOperation] {
        guard let list = body.arrayValue else {
            throw APIError.badRequest("Request body must be a JSON array of operation objects.")
        }
        let legacy = mediaType == ImagePatchOperation.mediaType20
        return try list.map { item in
            guard let object = item.objectValue else {
                throw APIError.badRequest("Operations must be JSON objects.")
            }
            let kind: Kind
            let path: String
            if legacy {
                guard let found = Kind.allCases.first(where: { object[$0.rawValue] != nil }),
                    let pathValue = object[found.rawValue]?.stringValue
                else { throw APIError.badRequest("Operation objects must contain exactly one member named \"add\", \"remove\", or \"replace\".") }
                kind = found
                path = pathValue
            } else {
                guard let op = object["op"]?.stringValue, let found = Kind(rawValue: op) else {
                    throw APIError.badRequest("Operation objects must contain a valid \"op\" member: add, remove or replace.")
                }
                guard let pathValue = object["path"]?.stringValue else {
                    throw APIError.badRequest("Unable to find 'path' in JSON Schema change")
                }
                kind = found
                path = pathValue
            }
            let attribute = try Self.attribute(fromPointer: path)
            if kind != .remove, object["value"] == nil {
                throw APIError.badRequest("Operation \"\(kind.rawValue)\" requires a member named \"value\".")
            }
            if Self.readOnly.contains(attribute) { throw APIError.forbidden("Attribute '\(attribute)' is read-only.") }
            if Self.reserved.contains(attribute) || attribute.hasPrefix("os_glance") {
                throw APIError.forbidden("Attribute '\(attribute)' is reserved.")
            }
            return ImagePatchOperation(
                kind: kind, attribute: attribute, value: kind == .remove ? nil : object["value"], legacy: legacy)
        }
    }

    static let mediaType21 = "application/openstack-images-v2.1-json-patch"
    static let mediaType20 = "application/openstack-images-v2.0-json-patch"

    /// The attribute a JSON pointer names: one segment, with `~1` and `~0` unescaped.
    static func attribute(fromPointer pointer: String) throws -> String {
        guard pointer.hasPrefix("/") else {
            throw APIError.badRequest("Pointer `\(pointer)` does not start with \"/\".")
        }
        let segments = pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count == 1, let segment = segments.first, !segment.isEmpty else {
            throw APIError.badRequest("Invalid JSON pointer for this resource: '\(pointer)'")
        }
        if segment.replacingOccurrences(of: "~0", with: "").replacingOccurrences(of: "~1", with: "").contains("~") {
            throw APIError.badRequest("Pointer `\(pointer)` contains \"~\" not part of a recognized escape sequence.")
        }
        return segment.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
    }

    func apply(to image: inout ImageRecord) throws {
        if Self.derived.contains(attribute) { return }
        if legacy, kind == .add, Self.core.contains(attribute) || image.properties[attribute] != nil {
            throw APIError.conflict("Property \(attribute) already present.")
        }
        if Self.core.contains(attribute) {
            guard kind != .remove else { throw APIError.forbidden("Property \(attribute) may not be removed.") }
            try ImageSchemaValidation.setCore(attribute, to: value ?? .null, on: &image)
            return
        }
        switch kind {
        case .add:
            image.properties[attribute] = try ImageSchemaValidation.propertyValue(attribute, value ?? .null)
        case .replace:
            guard image.properties[attribute] != nil else {
                throw APIError.conflict("Property \(attribute) does not exist.")
            }
            image.properties[attribute] = try ImageSchemaValidation.propertyValue(attribute, value ?? .null)
        case .remove:
            guard image.properties.removeValue(forKey: attribute) != nil else {
                throw APIError.conflict("Property \(attribute) does not exist.")
            }
        }
    }
}

extension ImagePatchOperation.Kind: CaseIterable {}
