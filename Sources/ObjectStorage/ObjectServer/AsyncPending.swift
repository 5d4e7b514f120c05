import Foundation
import StratusKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Container updates the object server could not deliver, kept on the object's device for the
/// updater: `<device>/async_pending/<suffix>/<hash>-<timestamp>`, `hash` the object's path
/// hash, `suffix` its last three digits, `timestamp` the update's (internal form). The file is
/// the update as JSON: `{"op": "PUT", "account": "a", "container": "c", "obj": "o",
/// "headers": {"x-timestamp": "…", "x-size": "…", …}}`. Files are written whole (temporary
/// file in `<device>/tmp`, fsync, rename), so a reader never sees part of one.
public enum AsyncPending {
    public struct Entry: Sendable, Equatable {
        public var path: String
        public var hash: String
        public var timestamp: SwiftTimestamp
        /// False when a newer update for the same object is pending: this one is superseded
        /// and can be removed unsent (Swift's updater does so).
        public var isNewest: Bool
    }

    /// Saves an update; returns the file's path.
    @discardableResult
    public static func save(_ update: ContainerUpdate, devicePath: String, hash: String, timestamp: SwiftTimestamp)
        throws(DiskFileError) -> String
    {
        let directory = devicePath + "/" + ObjectDiskLayout.asyncPendingDirectory + "/" + ObjectDiskLayout.suffix(ofHash: hash)
        let path = directory + "/" + hash + "-" + timestamp.internal
        let temporaryDirectory = devicePath + "/" + ObjectDiskLayout.tmpDirectory
        try ObjectDiskLayout.makeDirectories(temporaryDirectory)
        try ObjectDiskLayout.makeDirectories(directory)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = Array(try! encoder.encode(update))
        var template = Array((temporaryDirectory + "/.async-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw DiskFileError.fromErrno("mkstemp", temporaryDirectory) }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var failure: DiskFileError?
        bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let count = write(fd, buffer.baseAddress! + done, buffer.count - done)
                if count < 0 {
                    if errno == EINTR { continue }
                    failure = DiskFileError.fromErrno("write", temporary)
                    return
                }
                done += count
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = DiskFileError.fromErrno("fsync", temporary) }
        close(fd)
        if failure == nil, rename(temporary, path) != 0 { failure = DiskFileError.fromErrno("rename", path) }
        if let failure {
            unlink(temporary)
            throw failure
        }
        ObjectDiskLayout.fsyncDirectory(directory)
        return path
    }

    /// Every pending update of a device, by suffix, then object hash, newest first within an
    /// object. Names that are not `<32 hex>-<timestamp>` are skipped.
    public static func list(devicePath: String) throws(DiskFileError) -> [Entry] {
        let root = devicePath + "/" + ObjectDiskLayout.asyncPendingDirectory
        var entries: [Entry] = []
        for suffix in try HashDirectory.list(root).sorted() where SuffixHashes.isValidSuffix(suffix) {
            var found: [Entry] = []
            for name in try HashDirectory.list(root + "/" + suffix) {
                let parts = name.split(separator: "-", maxSplits: 1)
                guard parts.count == 2, parts[0].utf8.count == 32, parts[0].hasSuffix(suffix),
                    let timestamp = SwiftTimestamp(String(parts[1]))
                else { continue }
                found.append(
                    Entry(path: root + "/" + suffix + "/" + name, hash: String(parts[0]), timestamp: timestamp, isNewest: false))
            }
            found.sort { ($0.hash, $1.timestamp) < ($1.hash, $0.timestamp) }
            for index in found.indices {
                found[index].isNewest = index == 0 || found[index - 1].hash != found[index].hash
            }
            entries += found
        }
        return entries
    }

    /// Reads one pending update; nil when the file is gone or unreadable.
    public static func load(_ entry: Entry) -> ContainerUpdate? {
        guard let data = FileManager.default.contents(atPath: entry.path) else { return nil }
        return try? JSONDecoder().decode(ContainerUpdate.self, from: data)
    }

    /// Removes a pending update once sent (or superseded); its empty suffix directory goes too.
    public static func remove(_ entry: Entry) {
        unlink(entry.path)
        _ = rmdir((entry.path as NSString).deletingLastPathComponent)
    }
}
