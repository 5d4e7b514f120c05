import Crypto

/// How Swift turns an account, container or object name into a partition.
///
/// The key is the MD5 digest of `prefix + "/" + account [+ "/" + container [+ "/" + object]] + suffix`
/// (the cluster's `swift_hash_path_prefix` and `swift_hash_path_suffix`, kept secret so that
/// users cannot aim names at one partition). The partition is the digest's first four bytes
/// read as a big-endian unsigned 32-bit number, shifted right by `32 - partPower` (the ring's
/// part shift): its top `partPower` bits. An empty container or object counts as absent, as in
/// Swift's `hash_path`.
public struct HashPath: Sendable, Equatable {
    public var prefix: [UInt8]
    public var suffix: [UInt8]

    public init(prefix: String = "", suffix: String) {
        self.prefix = Array(prefix.utf8)
        self.suffix = Array(suffix.utf8)
    }

    /// The MD5 digest of the path (what Swift calls `hash_path(..., raw_digest=True)`).
    public func digest(account: String, container: String? = nil, object: String? = nil) throws -> [UInt8] {
        let container = container.flatMap { $0.isEmpty ? nil : $0 }
        let object = object.flatMap { $0.isEmpty ? nil : $0 }
        if object != nil, container == nil {
            throw RingError.invalidParameter("a container is required when an object is given")
        }
        var md5 = Insecure.MD5()
        md5.update(data: prefix)
        var path = "/" + account
        if let container { path += "/" + container }
        if let object { path += "/" + object }
        md5.update(data: Array(path.utf8))
        md5.update(data: suffix)
        return Array(md5.finalize())
    }

    /// The partition of a path in a ring of `2^partPower` partitions.
    public func partition(account: String, container: String? = nil, object: String? = nil, partPower: Int) throws -> Int {
        HashPath.topBits(try digest(account: account, container: container, object: object), partPower: partPower)
    }

    /// The first four bytes of a digest, big-endian, keeping the top `partPower` bits.
    static func topBits(_ digest: [UInt8], partPower: Int) -> Int {
        let word = UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
        return Int(word >> UInt32(32 - partPower))
    }
}
