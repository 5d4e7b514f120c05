import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One object's place on one device: its hash directory and the operations on its files.
/// Every method does blocking file-system work; callers run them off the cooperative pool.
public struct DiskFile: Sendable {
    public let devicePath: String
    public let partition: String
    /// `/account/container/object`, as stored in the metadata's `name`.
    public let name: String
    public let hash: String
    public let hashDirectory: String

    /// Locates an object; throws `deviceUnavailable` when the device is missing or unmounted.
    public init(layout: ObjectDiskLayout, device: String, partition: String, account: String, container: String, object: String)
        throws
    {
        devicePath = try layout.devicePath(device)
        self.partition = partition
        name = "/" + account + "/" + container + "/" + object
        hash = try layout.objectHash(account: account, container: container, object: object)
        hashDirectory = ObjectDiskLayout.hashDirectory(devicePath: devicePath, partition: partition, hash: hash)
    }

    /// An object by its parts (the name is not checked against the hash).
    init(devicePath: String, partition: String, name: String, hash: String) {
        self.devicePath = devicePath
        self.partition = partition
        self.name = name
        self.hash = hash
        hashDirectory = ObjectDiskLayout.hashDirectory(devicePath: devicePath, partition: partition, hash: hash)
    }

    public var partitionPath: String { ObjectDiskLayout.partitionPath(devicePath: devicePath, partition: partition) }
    public var suffix: String { ObjectDiskLayout.suffix(ofHash: hash) }

    /// Metadata keys a `.meta` never overrides: they describe the `.data` file's bytes.
    static let dataFileKeys: Set<String> = ["content-length", "deleted", "etag", "x-static-large-object"]

    /// Opens the object's current `.data` file, merges the metadata of a newer `.meta`, and
    /// checks it: the stored name, `X-Delete-At` against `now` (unless `openExpired`), the
    /// file's size against `Content-Length`. An object whose files do not add up is quarantined.
    public func open(now: Double, openExpired: Bool = false) throws(DiskFileError) -> OpenObject {
        let contents = HashDirectoryContents(names: try listHashDirectory())
        guard let dataFile = contents.data else {
            guard let tombstone = contents.tombstone else { throw DiskFileError.notFound }
            // A tombstone whose metadata cannot be read counts as no tombstone, as in Swift.
            let metadata = try? MetadataXattr.read(path: hashDirectory + "/" + tombstone.name)
            guard let stamp = metadata?["X-Timestamp"].flatMap(SwiftTimestamp.init) else {
                throw DiskFileError.notFound
            }
            throw DiskFileError.deleted(timestamp: stamp)
        }
        let dataPath = hashDirectory + "/" + dataFile.name
        let fd = Glibc.open(dataPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw DiskFileError.stateChanged }
            throw DiskFileError.fromErrno("open", dataPath)
        }
        let file = FileDescriptor(fd)
        guard let dataMetadata = try MetadataXattr.read(fd: fd, path: dataPath) else {
            throw try quarantine("metadata of \(dataFile.name) missing or unreadable")
        }
        var metaMetadata: [String: String] = [:]
        var metadata = dataMetadata
        if let metaFile = contents.meta {
            guard let read = try MetadataXattr.read(path: hashDirectory + "/" + metaFile.name) else {
                throw try quarantine("metadata of \(metaFile.name) missing or unreadable")
            }
            metaMetadata = read
            metaMetadata.removeValue(forKey: "name")
            metadata = metaMetadata
            for (key, value) in dataMetadata {
                let lower = key.lowercased()
                if key == "name" || DiskFile.dataFileKeys.contains(lower) || lower.hasPrefix("x-object-sysmeta-") {
                    metadata[key] = value
                }
            }
            let metaTypeStamp = metaMetadata["Content-Type-Timestamp"].flatMap(SwiftTimestamp.init)
            if let dataType = dataMetadata["Content-Type"], metaTypeStamp.map({ dataFile.timestamp > $0 }) ?? true {
                metadata["Content-Type"] = dataType
                metadata.removeValue(forKey: "Content-Type-Timestamp")
            }
        }
        guard let storedName = metadata["name"] else { throw try quarantine("metadata has no name") }
        guard storedName == name else { throw DiskFileError.collision(stored: storedName, requested: name) }
        let timestamp = metadata["X-Timestamp"].flatMap(SwiftTimestamp.init) ?? dataFile.timestamp
        if let deleteAt = metadata["X-Delete-At"] {
            guard let deleteAt = Int64(deleteAt) else { throw try quarantine("bad X-Delete-At \(deleteAt)") }
            if Double(deleteAt) <= now && !openExpired {
                throw DiskFileError.expired(timestamp: timestamp, metadata: metadata)
            }
        }
        guard let length = metadata["Content-Length"].flatMap(Int64.init) else {
            throw try quarantine("metadata has no valid Content-Length")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw try quarantine("cannot stat \(dataFile.name)") }
        guard Int64(info.st_size) == length else {
            throw try quarantine("Content-Length \(length) but \(info.st_size) bytes on disk")
        }
        return OpenObject(
            file: file, dataPath: dataPath, dataFile: dataFile, metaFile: contents.meta, metadata: metadata,
            dataMetadata: dataMetadata, metaMetadata: metaMetadata, timestamp: timestamp, contentLength: length)
    }

    /// Writes a tombstone at `timestamp`.
    public func delete(timestamp: SwiftTimestamp, reclaimAge: Double, now: Double) throws(DiskFileError) {
        let writer = try DiskFileWriter(devicePath: devicePath, size: nil)
        try writer.commit(
            metadata: ["X-Timestamp": timestamp.internal, "name": name], hashDirectory: hashDirectory,
            fileName: ObjectFileName(timestamp: timestamp, kind: .tombstone), reclaimAge: reclaimAge, now: now)
    }

    /// Writes a `.meta` file with `metadata` (which must hold its `X-Timestamp`).
    public func writeMetadata(_ metadata: [String: String], timestamp: SwiftTimestamp, reclaimAge: Double, now: Double)
        throws(DiskFileError)
    {
        var metadata = metadata
        metadata["X-Timestamp"] = timestamp.internal
        metadata["name"] = name
        let writer = try DiskFileWriter(devicePath: devicePath, size: nil)
        try writer.commit(
            metadata: metadata, hashDirectory: hashDirectory, fileName: ObjectFileName(timestamp: timestamp, kind: .meta),
            reclaimAge: reclaimAge, now: now)
    }

    /// Starts writing a new `.data` file; finish it with `commitData`.
    func makeWriter(size: Int64?) throws(DiskFileError) -> DiskFileWriter {
        try DiskFileWriter(devicePath: devicePath, size: size)
    }

    /// Makes a written `.data` file the object's data at `timestamp`.
    func commitData(
        _ writer: DiskFileWriter, metadata: [String: String], timestamp: SwiftTimestamp, reclaimAge: Double, now: Double
    ) throws(DiskFileError) {
        var metadata = metadata
        metadata["X-Timestamp"] = timestamp.internal
        metadata["name"] = name
        try writer.commit(
            metadata: metadata, hashDirectory: hashDirectory, fileName: ObjectFileName(timestamp: timestamp, kind: .data),
            reclaimAge: reclaimAge, now: now)
    }

    private func listHashDirectory() throws(DiskFileError) -> [String] {
        do throws(DiskFileError) {
            return try HashDirectory.list(hashDirectory)
        } catch .system(_, _, let code) where code == ENOTDIR {
            throw try quarantine("a file where the hash directory should be")
        }
    }

    /// Moves the hash directory to quarantine and returns the error to report.
    private func quarantine(_ reason: String) throws(DiskFileError) -> DiskFileError {
        try Quarantine.quarantine(hashDirectory: hashDirectory, devicePath: devicePath)
        return .quarantined(reason: reason)
    }
}

/// An open file descriptor, closed when the last reference goes.
public final class FileDescriptor: @unchecked Sendable {
    public let fd: Int32
    init(_ fd: Int32) { self.fd = fd }
    deinit { close(fd) }
}

/// Which file a path or descriptor refers to (device and inode).
struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        (device, inode) = (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    init?(_ file: FileDescriptor) {
        var info = stat()
        guard fstat(file.fd, &info) == 0 else { return nil }
        (device, inode) = (UInt64(info.st_dev), UInt64(info.st_ino))
    }
}

/// An object opened for reading: its `.data` file (still readable if replaced or deleted
/// meanwhile, as the descriptor stays open) and its merged metadata.
public struct OpenObject: Sendable {
    public let file: FileDescriptor
    public let dataPath: String
    public let dataFile: ObjectFileName
    public let metaFile: ObjectFileName?
    /// The `.data` metadata with a newer `.meta`'s metadata over it (see `DiskFile.open`).
    public let metadata: [String: String]
    public let dataMetadata: [String: String]
    /// The `.meta` file's own metadata (empty without one), less `name`.
    public let metaMetadata: [String: String]
    /// `X-Timestamp` of the metadata: the newest POST's, or the PUT's.
    public let timestamp: SwiftTimestamp
    public let contentLength: Int64

    public var dataTimestamp: SwiftTimestamp { dataFile.timestamp }

    /// When the content type was set: by a POST (`Content-Type-Timestamp`) or with the data.
    public var contentTypeTimestamp: SwiftTimestamp {
        metadata["Content-Type-Timestamp"].flatMap(SwiftTimestamp.init) ?? dataTimestamp
    }

    public var etag: String { metadata["ETag"] ?? "" }
}
