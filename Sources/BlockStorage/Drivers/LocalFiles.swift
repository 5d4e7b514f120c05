#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The few filesystem calls the `file` back end makes besides running qemu-img: sizes as the
/// kernel counts them, atomic renames, removal that tolerates absence.
enum LocalFiles {
    /// Sizes of a regular file: its length and the bytes actually allocated to it.
    struct Sizes: Equatable {
        var length: Int64
        var allocated: Int64
    }

    /// The file's sizes, or nil when there is no regular file at `path`.
    static func sizes(_ path: String) -> Sizes? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Sizes(length: Int64(info.st_size), allocated: Int64(info.st_blocks) * 512)
    }

    static func isRegularFile(_ path: String) -> Bool { sizes(path) != nil }

    /// Moves `source` to `destination` in one step, replacing what is there (both in one directory).
    static func rename(_ source: String, to destination: String) throws {
        guard systemRename(source, destination) == 0 else {
            throw VolumeDriverError("Could not move \(lastComponent(source)) into place: \(errorText()).")
        }
    }

    /// Removes the file if it is there.
    static func removeIfPresent(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw VolumeDriverError("Could not remove \(lastComponent(path)): \(errorText()).")
        }
    }

    static func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw VolumeDriverError("Could not create the directory \(lastComponent(path)): \(error.localizedDescription)")
        }
    }

    /// The names in a directory; none when it does not exist yet.
    static func names(in directory: String) throws -> [String] {
        guard FileManager.default.fileExists(atPath: directory) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: directory)
    }

    /// Bytes an unprivileged writer can still use on the filesystem holding `path`.
    static func filesystemFreeBytes(_ path: String) throws -> Int64 {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else {
            throw VolumeDriverError("Could not read the free space of the volume directory: \(errorText()).")
        }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    private static func systemRename(_ source: String, _ destination: String) -> Int32 {
        #if canImport(Glibc)
        return Glibc.rename(source, destination)
        #else
        return Darwin.rename(source, destination)
        #endif
    }

    private static func lastComponent(_ path: String) -> String { (path as NSString).lastPathComponent }
    private static func errorText() -> String { String(cString: strerror(errno)) }
}
