import StratusKit

/// The checks of Glance's image schema on what clients may set: core attribute types and
/// ranges, the disk and container formats, tags, and custom properties (strings).
enum ImageSchemaValidation {
    static let diskFormats = ["ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"]
    static let containerFormats = ["ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"]

    static func schemaError(_ detail: String) -> APIError {
        APIError.badRequest("Provided object does not match schema 'image': \(detail)")
    }

    /// Sets a core attribute from a JSON value, as create and update both do.
    static func setCore(_ attribute: String, to value: JSONValue, on image: inout ImageRecord) throws {
        switch attribute {
        case "name":
            image.name = try optionalString(value, attribute, maxLength: 255)
        case "visibility":
            guard let text = value.stringValue, let visibility = ImageVisibility(rawValue: text) else {
                throw schemaError("\(value.jsonText()) is not one of ['community', 'public', 'private', 'shared']")
            }
            image.visibility = visibility
        case "protected":
            guard let flag = value.boolValue else { throw schemaError("\(value.jsonText()) is not of type 'boolean'") }
            image.protected = flag
        case "os_hidden":
            guard let flag = value.boolValue else { throw schemaError("\(value.jsonText()) is not of type 'boolean'") }
            image.osHidden = flag
        case "min_disk":
            image.minDisk = try nonNegativeInteger(value, attribute)
        case "min_ram":
            image.minRAM = try nonNegativeInteger(value, attribute)
        case "disk_format":
            let format = try enumerated(value, diskFormats)
            if format != image.diskFormat, image.status != .queued {
                throw APIError.forbidden("Attribute disk_format can be only replaced for a queued image.")
            }
            image.diskFormat = format
        case "container_format":
            let format = try enumerated(value, containerFormats)
            if format != image.containerFormat, image.status != .queued {
                throw APIError.forbidden("Attribute container_format can be only replaced for a queued image.")
            }
            image.containerFormat = format
        case "tags":
            image.tags = try tags(value)
        case "owner":
            guard let owner = try optionalString(value, attribute, maxLength: 255), !owner.isEmpty else {
                throw schemaError("an image must have an owner")
            }
            image.owner = owner
        default:
            throw APIError.badRequest("Unknown attribute \(attribute)")
        }
    }

    static func propertyValue(_ name: String, _ value: JSONValue) throws -> String {
        guard name.count <= 255 else { throw schemaError("'\(name)' is too long") }
        guard let text = value.stringValue else { throw schemaError("\(value.jsonText()) is not of type 'string'") }
        guard text.utf8.count <= 65535 else { throw schemaError("the value of '\(name)' is too long") }
        return text
    }

    static func tags(_ value: JSONValue) throws -> [String] {
        guard let items = value.arrayValue else { throw schemaError("\(value.jsonText()) is not of type 'array'") }
        var tags: [String] = []
        for item in items {
            guard let tag = item.stringValue else { throw schemaError("\(item.jsonText()) is not of type 'string'") }
            guard tag.count <= 255 else { throw schemaError("'\(tag)' is too long") }
            if !tags.contains(tag) { tags.append(tag) }
        }
        return tags
    }

    private static func optionalString(_ value: JSONValue, _ attribute: String, maxLength: Int) throws -> String? {
        if value.isNull { return nil }
        guard let text = value.stringValue else { throw schemaError("\(value.jsonText()) is not of type 'string', 'null'") }
        guard text.count <= maxLength else { throw schemaError("'\(text)' is too long") }
        return text
    }

    private static func nonNegativeInteger(_ value: JSONValue, _ attribute: String) throws -> Int64 {
        guard let number = value.intValue else { throw schemaError("\(value.jsonText()) is not of type 'integer'") }
        guard number >= 0 else { throw schemaError("\(number) is less than the minimum of 0") }
        return number
    }

    private static func enumerated(_ value: JSONValue, _ allowed: [String]) throws -> String? {
        if value.isNull { return nil }
        guard let text = value.stringValue, allowed.contains(text) else {
            throw schemaError("\(value.jsonText()) is not one of \(allowed + ["null"])")
        }
        return text
    }
}
