import HTTPTypes

/// Which request headers become object metadata, and the limits on them (Swift's constraints).
public enum ObjectHeaders {
    public static let maxFileSize: Int64 = 5 * 1024 * 1024 * 1024 + 2
    public static let maxObjectNameLength = 1024
    public static let maxMetaNameLength = 128
    public static let maxMetaValueLength = 256
    public static let maxMetaCount = 90
    public static let maxMetaOverallSize = 4096
    public static let maxHeaderSize = 8192

    /// Headers stored with the object when a PUT or POST carries them, and returned by GET and
    /// HEAD (Swift's default `allowed_headers`).
    public static let allowed: Set<String> = [
        "content-disposition", "content-encoding", "x-delete-at", "x-object-manifest", "x-static-large-object",
        "cache-control", "content-language", "expires", "x-robots-tag",
    ]

    public static func isUserMeta(_ lowercased: String) -> Bool { lowercased.hasPrefix("x-object-meta-") }
    public static func isSysMeta(_ lowercased: String) -> Bool { lowercased.hasPrefix("x-object-sysmeta-") }
    public static func isTransientSysMeta(_ lowercased: String) -> Bool {
        lowercased.hasPrefix("x-object-transient-sysmeta-")
    }

    /// Whether a stored metadata key is shown on GET and HEAD.
    public static func isReturned(_ key: String) -> Bool {
        let lower = key.lowercased()
        return isUserMeta(lower) || isSysMeta(lower) || isTransientSysMeta(lower) || allowed.contains(lower)
    }

    /// `x-object-meta-color` → `X-Object-Meta-Color`, as Python's `str.title()` (how Swift
    /// stores header names): upper case after any non-letter, lower case elsewhere.
    public static func titleCased(_ name: String) -> String {
        var result = ""
        var previousIsLetter = false
        for character in name {
            result += previousIsLetter ? character.lowercased() : character.uppercased()
            previousIsLetter = character.isLetter
        }
        return result
    }

    /// Swift's `check_metadata` for objects: a message for the 400, or nil when acceptable.
    public static func metadataProblem(_ headers: HTTPFields) -> String? {
        let prefix = "x-object-meta-"
        var count = 0
        var size = 0
        for field in headers {
            if field.value.utf8.count > maxHeaderSize {
                return "Header value too long: \(field.name.rawName.prefix(maxMetaNameLength))"
            }
            let lower = field.name.canonicalName
            guard lower.hasPrefix(prefix) else { continue }
            let key = field.name.rawName.dropFirst(prefix.count)
            if key.isEmpty { return "Metadata name cannot be empty" }
            count += 1
            size += key.utf8.count + field.value.utf8.count
            if key.utf8.count > maxMetaNameLength { return "Metadata name too long: \(field.name.rawName)" }
            if field.value.utf8.count > maxMetaValueLength {
                return "Metadata value longer than \(maxMetaValueLength): \(field.name.rawName)"
            }
            if count > maxMetaCount { return "Too many metadata items; max \(maxMetaCount)" }
            if size > maxMetaOverallSize { return "Total metadata too large; max \(maxMetaOverallSize)" }
        }
        return nil
    }

    /// The metadata a PUT or POST stores from its headers: user metadata, system metadata
    /// (`includeSysMeta`, PUT only, as in Swift), transient system metadata and the allowed headers.
    public static func storedMetadata(_ headers: HTTPFields, includeSysMeta: Bool) -> [String: String] {
        var metadata: [String: String] = [:]
        for field in headers {
            let lower = field.name.canonicalName
            if isUserMeta(lower) || isTransientSysMeta(lower) || (includeSysMeta && isSysMeta(lower))
                || allowed.contains(lower)
            {
                metadata[titleCased(lower)] = field.value
            }
        }
        return metadata
    }
}
