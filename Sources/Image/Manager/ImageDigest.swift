import Crypto
import Dispatch
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

    /// Hashes one chunk. Chunks of 16 KiB and more are hashed by both digests at once on
    /// two threads: hashing, not I/O, is what bounds an upload's speed.
    func update(_ buffer: ByteBuffer) throws {
        byteCount += Int64(buffer.readableBytes)
        if byteCount > limit { throw limitError() }
        buffer.withUnsafeReadableBytes { bytes in
            guard bytes.count >= 1 << 14 else {
                md5.update(bufferPointer: bytes)
                sha512.update(bufferPointer: bytes)
                return
            }
            withUnsafeMutablePointer(to: &md5) { md5 in
                withUnsafeMutablePointer(to: &sha512) { sha512 in
                    let digests = DigestPair(md5: md5, sha512: sha512, bytes: bytes)
                    DispatchQueue.concurrentPerform(iterations: 2) { index in
                        if index == 0 { digests.md5.pointee.update(bufferPointer: digests.bytes) }
                        else { digests.sha512.pointee.update(bufferPointer: digests.bytes) }
                    }
                }
            }
        }
    }

    var checksum: String { Self.hex(md5.finalize()) }
    var multihash: String { Self.hex(sha512.finalize()) }

    private static func hex(_ digest: some Digest) -> String {
        digest.map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }
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

/// The two digests and the chunk they read; each digest is updated by one thread of a
/// `concurrentPerform`, which returns only when both are done.
private struct DigestPair: @unchecked Sendable {
    let md5: UnsafeMutablePointer<Insecure.MD5>
    let sha512: UnsafeMutablePointer<SHA512>
    let bytes: UnsafeRawBufferPointer
}
