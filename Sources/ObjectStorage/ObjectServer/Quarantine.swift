import Crypto
import Foundation
import StratusKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Moving a bad object out of the way, so that replication brings a good copy back: the whole
/// hash directory goes to `<device>/quarantined/objects/<hash>` (with `-<random hex>` appended
/// when that name is taken), and its suffix is invalidated so the partition's hashes change.
public enum Quarantine {
    /// Quarantines `hashDirectory` (`<device>/objects/<partition>/<suffix>/<hash>`) of the
    /// device at `devicePath`. Returns where it went.
    @discardableResult
    public static func quarantine(hashDirectory: String, devicePath: String) throws(DiskFileError) -> String {
        let hashURL = URL(fileURLWithPath: hashDirectory)
        let name = hashURL.lastPathComponent
        let parent = hashURL.deletingLastPathComponent()
        // A three-digit name is a whole suffix directory (quarantined when it cannot be listed).
        let (partitionPath, suffix) =
            name.count == 3
            ? (parent.path, name) : (parent.deletingLastPathComponent().path, parent.lastPathComponent)
        let target = devicePath + "/" + ObjectDiskLayout.quarantineDirectory
        try ObjectDiskLayout.makeDirectories(target)
        try SuffixHashes.invalidate(partitionPath: partitionPath, suffix: suffix)
        var destination = target + "/" + name
        if rename(hashDirectory, destination) != 0 {
            guard errno == EEXIST || errno == ENOTEMPTY else { throw DiskFileError.fromErrno("rename", hashDirectory) }
            destination += "-" + IDGenerator.hex()
            if rename(hashDirectory, destination) != 0 { throw DiskFileError.fromErrno("rename", hashDirectory) }
        }
        return destination
    }
}

/// Re-reads an object's `.data` file and checks it against its metadata: the size against
/// `Content-Length` and the MD5 against `ETag`. What Swift's auditor does to find bit rot.
public enum ObjectChecksum {
    public enum Result: Sendable, Equatable {
        case valid
        /// The file no longer matches what was written; `reason` says how.
        case corrupt(reason: String)
    }

    /// Checks one `.data` file. Throws only when the file cannot be read at all.
    public static func verify(dataFile path: String) throws(DiskFileError) -> Result {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DiskFileError.fromErrno("open", path) }
        defer { close(fd) }
        guard let metadata = try MetadataXattr.read(fd: fd, path: path) else {
            return .corrupt(reason: "metadata missing or unreadable")
        }
        guard let etag = metadata["ETag"], let length = metadata["Content-Length"].flatMap(Int64.init) else {
            return .corrupt(reason: "metadata has no ETag or Content-Length")
        }
        var digest = Insecure.MD5()
        var total: Int64 = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .corrupt(reason: "read failed: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            buffer.withUnsafeBytes { digest.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
            total += Int64(count)
        }
        if total != length { return .corrupt(reason: "size \(total) is not Content-Length \(length)") }
        let actual = Hex.lowercase(digest.finalize())
        if actual != etag { return .corrupt(reason: "MD5 \(actual) is not ETag \(etag)") }
        return .valid
    }

    /// Checks the object in `hashDirectory` (its current `.data`, if any) and quarantines the
    /// directory when it is corrupt. Returns the result and, when quarantined, where it went.
    public static func audit(hashDirectory: String, devicePath: String) throws(DiskFileError) -> (
        result: Result, quarantinedTo: String?
    ) {
        let contents = HashDirectoryContents(names: try HashDirectory.list(hashDirectory))
        guard let data = contents.data else { return (.valid, nil) }
        let result = try verify(dataFile: hashDirectory + "/" + data.name)
        guard case .corrupt = result else { return (result, nil) }
        return (result, try Quarantine.quarantine(hashDirectory: hashDirectory, devicePath: devicePath))
    }
}
