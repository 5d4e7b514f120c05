import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Marks the process that serves a data directory's Object Storage: `stratus up` holds an
/// exclusive `flock` on `DATA_DIR/object/servers.lock` while it runs. A `stratus object … --once`
/// pass that gets the lock knows no cloud serves the directory, and serves the storage servers
/// itself for the pass (holding the lock, so that a `stratus up` started meanwhile waits); one
/// that does not get it talks to the running cloud's servers. The lock goes with the process.
public final class ServingLock: Sendable {
    let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    public static func path(dataDirectory: String) -> String { dataDirectory + "/object/servers.lock" }

    /// The lock, or nil when another process holds it.
    public static func tryAcquire(dataDirectory: String) throws -> ServingLock? {
        let path = path(dataDirectory: dataDirectory)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            close(fd)
            return nil
        }
        return ServingLock(fd: fd)
    }

    /// The lock, waiting up to `timeout` seconds for another process to let it go.
    public static func acquire(dataDirectory: String, timeout: Double) async throws -> ServingLock {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while true {
            if let lock = try tryAcquire(dataDirectory: dataDirectory) { return lock }
            guard ContinuousClock.now < deadline else { throw Busy(path: path(dataDirectory: dataDirectory)) }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    public struct Busy: Error, CustomStringConvertible {
        public let path: String
        public var description: String {
            "another process holds \(path): a stratus up or a stratus object pass uses this data directory"
        }
    }
}
