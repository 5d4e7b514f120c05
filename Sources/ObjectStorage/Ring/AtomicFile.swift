import Foundation
import StratusKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a file so that readers see either the old content or the new, never a part: the bytes
/// go to a temporary file in the same directory, are flushed to disk, and the temporary file is
/// renamed over the target.
enum AtomicFile {
    static func store(_ bytes: [UInt8], at path: String, permissions: mode_t = 0o644) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-" + IDGenerator.hex().prefix(12)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard fd >= 0 else { throw failure("cannot create a temporary file beside it", path) }
        var problem: RingError? = nil
        bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let result = write(fd, buffer.baseAddress! + done, buffer.count - done)
                if result < 0 {
                    if errno == EINTR { continue }
                    problem = failure("cannot write \(temporary)", path)
                    return
                }
                done += result
            }
        }
        if problem == nil, fsync(fd) != 0 { problem = failure("cannot flush \(temporary)", path) }
        close(fd)
        if problem == nil, rename(temporary, path) != 0 { problem = failure("cannot rename \(temporary) over it", path) }
        if let problem {
            unlink(temporary)
            throw problem
        }
        let directoryFD = open(directory, O_RDONLY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }

    private static func failure(_ action: String, _ path: String) -> RingError {
        RingError.badFile(path: path, reason: "\(action): \(String(cString: strerror(errno)))")
    }
}
