import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Random-access reads of image data (a file on disk in production), used to inspect its format.
///
/// `read` may return fewer than `count` bytes only at the end of the data; it returns an empty
/// array for an offset at or past the end.
public protocol ByteSource: Sendable {
    /// The data's length in bytes.
    var size: UInt64 { get }
    func read(offset: UInt64, count: Int) throws -> [UInt8]
}

/// A file read with `pread`, so reads at any offset need no seeking and can run concurrently.
/// The descriptor is closed by `close()` or when the source is released.
public final class FileByteSource: ByteSource, @unchecked Sendable {
    public let size: UInt64
    private let lock = NSLock()
    private var fd: Int32

    public init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DiskFormatError.readFailed(Self.describe(errno, path: path)) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let error = errno
            _ = closeDescriptor(fd)
            throw DiskFormatError.readFailed(Self.describe(error, path: path))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            _ = closeDescriptor(fd)
            throw DiskFormatError.readFailed("\(path) is not a regular file")
        }
        self.fd = fd
        self.size = UInt64(max(0, info.st_size))
    }

    deinit { close() }

    /// Closes the file; later reads throw.
    public func close() {
        lock.lock()
        defer { lock.unlock() }
        if fd >= 0 {
            _ = closeDescriptor(fd)
            fd = -1
        }
    }

    public func read(offset: UInt64, count: Int) throws -> [UInt8] {
        guard count > 0, offset < size else { return [] }
        let wanted = Int(min(UInt64(count), size - offset))
        lock.lock()
        defer { lock.unlock() }
        guard fd >= 0 else { throw DiskFormatError.readFailed("the image file was closed") }
        var bytes = [UInt8](repeating: 0, count: wanted)
        var done = 0
        while done < wanted {
            let result = bytes.withUnsafeMutableBytes { buffer in
                pread(fd, buffer.baseAddress! + done, wanted - done, off_t(offset) + off_t(done))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw DiskFormatError.readFailed(Self.describe(errno, path: "the image file"))
            }
            if result == 0 { break }  // the file shrank since it was opened
            done += result
        }
        if done < wanted { bytes.removeSubrange(done...) }
        return bytes
    }

    private static func describe(_ error: Int32, path: String) -> String {
        "cannot read \(path): \(String(cString: strerror(error)))"
    }
}

/// Image data held in memory (tests, and data small enough to have been buffered).
public struct InMemoryByteSource: ByteSource {
    public let bytes: [UInt8]
    public var size: UInt64 { UInt64(bytes.count) }

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func read(offset: UInt64, count: Int) throws -> [UInt8] {
        guard count > 0, offset < UInt64(bytes.count) else { return [] }
        let start = Int(offset)
        let end = start + min(count, bytes.count - start)
        return Array(bytes[start..<end])
    }
}

/// The C `close`, which the method `FileByteSource.close()` hides inside the class.
@inline(__always)
private func closeDescriptor(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
    return Glibc.close(fd)
    #elseif canImport(Musl)
    return Musl.close(fd)
    #else
    return Darwin.close(fd)
    #endif
}
