import Crypto
import Foundation
import Hummingbird
import NIOCore
import StratusKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Response bodies read from an open object file in 64 KiB chunks as the client takes them;
/// never the whole object in memory.
enum ObjectResponseBody {
    static let chunkSize = 1 << 16

    /// Writes bytes `range` of the file to `writer`, calling `observe` on each chunk.
    static func copy(
        _ file: FileDescriptor, _ range: Range<Int64>, to writer: inout any ResponseBodyWriter,
        observe: (ByteBuffer) -> Void = { _ in }
    ) async throws {
        var offset = range.lowerBound
        while offset < range.upperBound {
            let wanted = Int(min(Int64(chunkSize), range.upperBound - offset))
            var buffer = ByteBufferAllocator().buffer(capacity: wanted)
            let count = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: wanted) { pointer -> Int in
                while true {
                    let result = pread(file.fd, pointer.baseAddress, wanted, off_t(offset))
                    if result >= 0 { return result }
                    if errno != EINTR { throw DiskFileError.fromErrno("pread", "object data") }
                }
            }
            // The file is shorter than its metadata said (truncated since it was opened).
            if count == 0 { throw DiskFileError.stateChanged }
            observe(buffer)
            try await writer.write(buffer)
            offset += Int64(count)
        }
    }

    /// The whole object. When every byte has been sent and their MD5 is not the recorded ETag,
    /// `onMismatch` runs (the server quarantines the object, as Swift's reader does).
    static func whole(_ object: OpenObject, onMismatch: @escaping @Sendable () -> Void) -> ResponseBody {
        ResponseBody(contentLength: Int(object.contentLength)) { writer in
            var md5 = Insecure.MD5()
            try await copy(object.file, 0..<object.contentLength, to: &writer) { buffer in
                buffer.withUnsafeReadableBytes { md5.update(bufferPointer: $0) }
            }
            if Hex.lowercase(md5.finalize()) != object.etag { onMismatch() }
            try await writer.finish(nil)
        }
    }

    /// One range of the object.
    static func single(_ object: OpenObject, _ range: Range<Int64>) -> ResponseBody {
        ResponseBody(contentLength: Int(range.count)) { writer in
            try await copy(object.file, range, to: &writer)
            try await writer.finish(nil)
        }
    }

    /// Several ranges as `multipart/byteranges` with `boundary`, laid out as Swift lays them out:
    /// for each range `--<boundary>\r\nContent-Type: <type>\r\nContent-Range: bytes a-b/size\r\n\r\n`,
    /// the bytes, `\r\n`; then `--<boundary>--`.
    static func multipart(_ object: OpenObject, _ ranges: [Range<Int64>], contentType: String, boundary: String)
        -> ResponseBody
    {
        let heads = ranges.map { range in
            "--\(boundary)\r\nContent-Type: \(contentType)\r\n"
                + "Content-Range: bytes \(range.lowerBound)-\(range.upperBound - 1)/\(object.contentLength)\r\n\r\n"
        }
        let tail = "--\(boundary)--"
        let length = zip(heads, ranges).reduce(tail.utf8.count) { $0 + $1.0.utf8.count + Int($1.1.count) + 2 }
        return ResponseBody(contentLength: length) { writer in
            for (head, range) in zip(heads, ranges) {
                try await writer.write(ByteBuffer(string: head))
                try await copy(object.file, range, to: &writer)
                try await writer.write(ByteBuffer(string: "\r\n"))
            }
            try await writer.write(ByteBuffer(string: tail))
            try await writer.finish(nil)
        }
    }
}
