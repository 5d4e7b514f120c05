import Foundation
import StratusKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Where an object server keeps things on its devices, as Swift does:
///
/// ```
/// <devices>/<device>/objects/<partition>/<suffix>/<hash>/<timestamp>.data|.ts|.meta
/// <devices>/<device>/objects/<partition>/hashes.json, hashes.invalid, .lock
/// <devices>/<device>/tmp/                                temporary files of writes in progress
/// <devices>/<device>/async_pending/<suffix>/<hash>-<timestamp>   container updates not yet sent
/// <devices>/<device>/quarantined/objects/<hash>[-<random>]       hash directories found bad
/// ```
///
/// `hash` is the 32 hex digits of MD5(prefix + `/account/container/object` + suffix) from the
/// ring's `HashPath` (so the object's partition and its directory come from the same digest),
/// and `suffix` is the hash's last three hex digits.
public struct ObjectDiskLayout: Sendable {
    public static let objectsDirectory = "objects"
    public static let tmpDirectory = "tmp"
    public static let asyncPendingDirectory = "async_pending"
    public static let quarantineDirectory = "quarantined/objects"

    /// The directory holding one directory per device.
    public var devices: String
    public var hashPath: HashPath
    /// When true a device must be a mount point (not just a directory) to be used, as Swift's
    /// `mount_check`; a device directory left behind by an unmounted disk then counts as missing.
    public var mountCheck: Bool

    public init(devices: String, hashPath: HashPath, mountCheck: Bool = false) {
        self.devices = devices
        self.hashPath = hashPath
        self.mountCheck = mountCheck
    }

    /// Whether a device or partition name is safe to use as one path component.
    public static func isValidComponent(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0")
    }

    /// The device's directory, or `deviceUnavailable` when it is missing or (with mount checks)
    /// not mounted: the object server answers 507 then.
    public func devicePath(_ device: String) throws(DiskFileError) -> String {
        guard ObjectDiskLayout.isValidComponent(device) else { throw DiskFileError.deviceUnavailable(device: device) }
        let path = devices + "/" + device
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw DiskFileError.deviceUnavailable(device: device)
        }
        if mountCheck {
            var parent = stat()
            guard stat(devices, &parent) == 0, parent.st_dev != info.st_dev || parent.st_ino == info.st_ino else {
                throw DiskFileError.deviceUnavailable(device: device)
            }
        }
        return path
    }

    /// The 32 lowercase hex digits of the object's path hash.
    public func objectHash(account: String, container: String, object: String) throws -> String {
        Hex.lowercase(try hashPath.digest(account: account, container: container, object: object))
    }

    public static func suffix(ofHash hash: String) -> String { String(hash.suffix(3)) }

    public static func partitionPath(devicePath: String, partition: String) -> String {
        devicePath + "/" + objectsDirectory + "/" + partition
    }

    public static func hashDirectory(devicePath: String, partition: String, hash: String) -> String {
        partitionPath(devicePath: devicePath, partition: partition) + "/" + suffix(ofHash: hash) + "/" + hash
    }

    /// Creates a directory and its missing parents (mode 0755); an existing one is fine.
    /// Returns how many directories it created (the deepest ones: the path, its parent …).
    @discardableResult
    static func makeDirectories(_ path: String) throws(DiskFileError) -> Int {
        if mkdir(path, 0o755) == 0 { return 1 }
        if errno == EEXIST { return 0 }
        guard errno == ENOENT else { throw DiskFileError.fromErrno("mkdir", path) }
        let parent = (path as NSString).deletingLastPathComponent
        guard !parent.isEmpty, parent != path else { throw DiskFileError.fromErrno("mkdir", path) }
        let created = try makeDirectories(parent)
        if mkdir(path, 0o755) == 0 { return created + 1 }
        if errno == EEXIST { return created }
        throw DiskFileError.fromErrno("mkdir", path)
    }

    /// Flushes a directory's entries (after a rename or link into it).
    static func fsyncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
