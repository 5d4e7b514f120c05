import Foundation

/// The path of an object server request, split as Swift's `split_path` splits it after
/// percent-decoding: `/<device>/<partition>/<account>/<container>/<object>` (the object keeps any
/// further slashes) for object requests, `/<device>/<partition>[/<suffix>-<suffix>…]` for
/// REPLICATE. Device and partition must be usable as single path components.
struct ObjectRequestPath: Sendable {
    enum Problem: Error, Equatable {
        /// Not valid UTF-8 once decoded, or contains NUL: Swift answers 412.
        case invalidUTF8
        /// Wrong number of segments or an empty one: 400 with this text.
        case invalid(String)
    }

    var device: String
    var partition: String
    var account: String
    var container: String
    var object: String

    static func decode(_ rawPath: String) throws(Problem) -> String {
        guard let path = rawPath.removingPercentEncoding, !path.contains("\0") else { throw .invalidUTF8 }
        return path
    }

    /// `minimum` to `maximum` segments, the last keeping the rest of the path.
    static func split(_ path: String, minimum: Int, maximum: Int) throws(Problem) -> [String] {
        let segments = path.split(separator: "/", maxSplits: maximum, omittingEmptySubsequences: false).map(String.init)
        guard segments.first == "", segments.count >= minimum + 1, segments.count <= maximum + 1,
            !segments[1..<(minimum + 1)].contains("")
        else { throw .invalid("Invalid path: \(path)") }
        guard ObjectDiskLayout.isValidComponent(segments[1]) else { throw .invalid("Invalid device: \(segments[1])") }
        guard ObjectDiskLayout.isValidComponent(segments[2]) else { throw .invalid("Invalid partition: \(segments[2])") }
        return Array(segments.dropFirst())
    }

    init(rawPath: String) throws(Problem) {
        let parts = try ObjectRequestPath.split(ObjectRequestPath.decode(rawPath), minimum: 5, maximum: 5)
        (device, partition, account, container, object) = (parts[0], parts[1], parts[2], parts[3], parts[4])
    }
}

/// `/<device>/<partition>[/<suffixes>]` of a REPLICATE request.
struct ReplicateRequestPath: Sendable {
    var device: String
    var partition: String
    var suffixes: [String]

    init(rawPath: String) throws(ObjectRequestPath.Problem) {
        let parts = try ObjectRequestPath.split(ObjectRequestPath.decode(rawPath), minimum: 2, maximum: 3)
        device = parts[0]
        partition = parts[1]
        suffixes = parts.count > 2 ? parts[2].split(separator: "-").map(String.init) : []
    }
}
