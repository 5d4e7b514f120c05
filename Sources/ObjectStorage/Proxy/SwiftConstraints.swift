import HTTPTypes
import StratusKit

/// Swift's limits (`swift/common/constraints.py`), checked by the proxy and published at
/// `/info` so that clients know them.
public struct SwiftConstraints: Sendable {
    public var maxFileSize: Int64 = 5_368_709_122
    public var maxMetaNameLength = 128
    public var maxMetaValueLength = 256
    public var maxMetaCount = 90
    public var maxMetaOverallSize = 4096
    public var maxHeaderSize = 8192
    public var maxObjectNameLength = 1024
    public var containerListingLimit = 10_000
    public var accountListingLimit = 10_000
    public var maxAccountNameLength = 256
    public var maxContainerNameLength = 256

    public init() {}

    func info(tempAuth: Bool) -> JSONValue {
        var body: [String: JSONValue] = [
            "swift": [
                "version": "2.38.0", "max_file_size": .int(maxFileSize), "max_meta_name_length": .int(Int64(maxMetaNameLength)),
                "max_meta_value_length": .int(Int64(maxMetaValueLength)), "max_meta_count": .int(Int64(maxMetaCount)),
                "max_meta_overall_size": .int(Int64(maxMetaOverallSize)), "max_header_size": .int(Int64(maxHeaderSize)),
                "max_object_name_length": .int(Int64(maxObjectNameLength)),
                "container_listing_limit": .int(Int64(containerListingLimit)),
                "account_listing_limit": .int(Int64(accountListingLimit)),
                "max_account_name_length": .int(Int64(maxAccountNameLength)),
                "max_container_name_length": .int(Int64(maxContainerNameLength)), "extra_header_count": 0,
                "valid_api_versions": ["v1", "v1.0"], "strict_cors_mode": true,
                "policies": [["name": "Policy-0", "default": true, "aliases": "Policy-0"]],
            ],
            "keystoneauth": [:],
        ]
        if tempAuth { body["tempauth"] = ["account_acls": true] }
        return .object(body)
    }

    /// A reason to refuse the names of the path, or nil.
    func checkNames(_ path: ProxyPath) -> String? {
        if path.account.utf8.count > maxAccountNameLength { return "Account name length of \(path.account.utf8.count) longer than \(maxAccountNameLength)" }
        if let container = path.container {
            if container.contains("/") { return "Container name cannot contain slashes" }
            if container.utf8.count > maxContainerNameLength {
                return "Container name length of \(container.utf8.count) longer than \(maxContainerNameLength)"
            }
        }
        if let object = path.object, object.utf8.count > maxObjectNameLength {
            return "Object name length of \(object.utf8.count) longer than \(maxObjectNameLength)"
        }
        return nil
    }

    /// A reason to refuse the request's metadata headers (`X-<type>-Meta-*`), or nil.
    func checkMetadata(_ headers: HTTPFields, path: ProxyPath) -> String? {
        let type = path.object != nil ? "object" : path.container != nil ? "container" : "account"
        let prefix = "x-\(type)-meta-"
        var count = 0
        var size = 0
        for field in headers where field.name.canonicalName.hasPrefix(prefix) {
            let key = field.name.canonicalName.dropFirst(prefix.count)
            if key.isEmpty { return "Metadata name cannot be empty" }
            if key.utf8.count > maxMetaNameLength { return "Metadata name too long; max \(maxMetaNameLength)" }
            if field.value.utf8.count > maxMetaValueLength { return "Metadata value longer than \(maxMetaValueLength)" }
            count += 1
            size += key.utf8.count + field.value.utf8.count
        }
        if count > maxMetaCount { return "Too many metadata items; max \(maxMetaCount)" }
        if size > maxMetaOverallSize { return "Total metadata too large; max \(maxMetaOverallSize)" }
        return nil
    }
}
