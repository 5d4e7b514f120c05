import Crypto
import NIOCore
import StratusKit

/// Hashes image data on its way to the store: Glance's `checksum` (MD5, hex) and its
/// multihash (`os_hash_algo` sha512, `os_hash_value` hex), and counts the bytes against a
/// limit so that an oversized upload stops as soon as it crosses it.
final class ImageDigest {
    private var md5 = Insecure.MD5()
    private var sha512 = SHA512()
    private(set) var byteCount: Int64 = 0
    let limit: Int64
    let limitError: @Sendable () -> APIError

    init(limit: Int64, limitError: @escaping @Sendable () -> APIError) {
        self.limit = limit
        self.limitError = limitError
    }

    func update(_ buffer: ByteBuffer) throws {
        byteCount += Int64(buffer.readableBytes)
        if byteCount > limit { throw limitError() }
        buffer.withUnsafeReadableBytes { bytes in
            md5.update(bufferPointer: bytes)
            sha512.update(bufferPointer: bytes)
        }
    }

    var checksum: String { Hex.lowercase(md5.finalize()) }
    var multihash: String { Hex.lowercase(sha512.finalize()) }
}

/// What the digest found once the data is all in.
struct ReceivedData: Sendable {
    var size: Int64
    var checksum: String
    var multihash: String
    /// Where the data was written in its store.
    var location: String
    var inspection: DiskInspection
}
