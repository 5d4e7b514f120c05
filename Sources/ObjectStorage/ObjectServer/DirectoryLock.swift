#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// An exclusive lock on a directory, as Swift's `lock_path`: `flock` on a `.lock` file inside
/// it. flock locks belong to the open file, so two holders in one process exclude each other too.
/// Held only around short, non-suspending work (reading or writing the suffix hash files).
enum DirectoryLock {
    /// Runs `body` holding the lock of `directory`; `nil` when the directory does not exist.
    static func withLock<T>(_ directory: String, _ body: () throws(DiskFileError) -> T) throws(DiskFileError) -> T? {
        let path = directory + "/.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw DiskFileError.fromErrno("open", path)
        }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw DiskFileError.fromErrno("flock", path) }
        }
        defer { _ = flock(fd, LOCK_UN) }
        return try body()
    }
}
