/// Bounded reads of the header regions of image data.
///
/// The first 64 KiB are read once (most formats keep everything the inspector needs there);
/// anything else is read on demand, never more than `maxRead` bytes at a time, so crafted
/// offsets and lengths cannot make the inspector allocate or read without limit.
struct HeaderReader {
    static let headLength = 64 * 1024
    /// The most any single region read may ask for (the largest is a qcow2 header cluster).
    static let maxRead = 2 * 1024 * 1024

    let source: any ByteSource
    let size: UInt64
    /// The first `min(size, headLength)` bytes.
    let head: [UInt8]

    init(_ source: any ByteSource) throws {
        self.source = source
        self.size = source.size
        self.head = try Self.checkedRead(source, size: source.size, offset: 0, count: Self.headLength)
    }

    /// Up to `count` bytes at `offset`; fewer (possibly none) when the data ends first.
    func bytes(at offset: UInt64, count: Int) throws -> [UInt8] {
        guard count > 0, offset < size else { return [] }
        let count = min(count, Self.maxRead)
        if offset < UInt64(head.count) {
            let start = Int(offset)
            if head.count - start >= count || UInt64(head.count) == size {
                return Array(head[start..<min(head.count, start + count)])
            }
        }
        return try Self.checkedRead(source, size: size, offset: offset, count: count)
    }

    /// Exactly `count` bytes at `offset`, or nil when the data is too short.
    func exactBytes(at offset: UInt64, count: Int) throws -> [UInt8]? {
        guard count <= Self.maxRead else { return nil }
        let bytes = try bytes(at: offset, count: count)
        return bytes.count == count ? bytes : nil
    }

    /// The last `count` bytes (all of them when the data is shorter).
    func tail(_ count: Int) throws -> [UInt8] {
        let count = min(UInt64(count), size)
        return try bytes(at: size - count, count: Int(count))
    }

    private static func checkedRead(_ source: any ByteSource, size: UInt64, offset: UInt64, count: Int) throws
        -> [UInt8]
    {
        guard count > 0, offset < size else { return [] }
        let wanted = Int(min(UInt64(count), size - offset))
        var bytes = try source.read(offset: offset, count: wanted)
        // A source that returns more than asked is trimmed rather than trusted.
        if bytes.count > wanted { bytes.removeSubrange(wanted...) }
        return bytes
    }
}

/// Fixed-width integer decoding that never traps: a field that does not fit in the buffer reads
/// as zero. Parsers check lengths before decoding; this is the backstop.
extension Array where Element == UInt8 {
    func le16(_ at: Int) -> UInt16 { UInt16(truncatingIfNeeded: le(at, 2)) }
    func le32(_ at: Int) -> UInt32 { UInt32(truncatingIfNeeded: le(at, 4)) }
    func le64(_ at: Int) -> UInt64 { le(at, 8) }
    func be16(_ at: Int) -> UInt16 { UInt16(truncatingIfNeeded: be(at, 2)) }
    func be32(_ at: Int) -> UInt32 { UInt32(truncatingIfNeeded: be(at, 4)) }
    func be64(_ at: Int) -> UInt64 { be(at, 8) }

    /// True when the bytes at `at` are `prefix`.
    func matches(_ prefix: [UInt8], at: Int = 0) -> Bool {
        guard at >= 0, at <= count - prefix.count else { return false }
        for (index, byte) in prefix.enumerated() where self[at + index] != byte { return false }
        return true
    }

    /// The bytes `at..<at+length`, clamped to the buffer.
    func slice(_ at: Int, _ length: Int) -> [UInt8] {
        guard at >= 0, at < count, length > 0 else { return [] }
        return Array(self[at..<(at + Swift.min(length, count - at))])
    }

    private func le(_ at: Int, _ width: Int) -> UInt64 {
        guard at >= 0, at <= count - width else { return 0 }
        var value: UInt64 = 0
        for index in (0..<width).reversed() { value = value << 8 | UInt64(self[at + index]) }
        return value
    }

    private func be(_ at: Int, _ width: Int) -> UInt64 {
        guard at >= 0, at <= count - width else { return 0 }
        var value: UInt64 = 0
        for index in 0..<width { value = value << 8 | UInt64(self[at + index]) }
        return value
    }
}

extension String {
    /// The string's ASCII bytes, for comparing with magic numbers.
    var asciiBytes: [UInt8] { Array(utf8) }
}
