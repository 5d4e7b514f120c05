import Foundation
import StratusKit

/// The `file` back end: each volume is a file on the volume host, qcow2 in thin pools and a
/// sparse raw file in thick pools, reached by guests on the same host as a local file.
/// Snapshots are independent copies beside their volume, so they stay valid whatever happens
/// to the volume afterwards. Every file is written under a temporary name and renamed into
/// place, so a failed or interrupted call never leaves a half-written volume or snapshot.
public struct FileVolumeDriver: VolumeDriver {
    public var backendName: String { "file" }
    let layout: FileVolumeLayout
    let qemuImage: QemuImage

    static let bytesPerGiB: Int64 = 1 << 30

    /// Image formats (as Glance names them) a volume can be made from, with the name
    /// qemu-img knows each by.
    static let qemuFormatsOfImageFormats = [
        "raw": "raw", "qcow2": "qcow2", "iso": "raw", "ami": "raw", "vmdk": "vmdk", "vdi": "vdi", "vhd": "vpc", "vhdx": "vhdx",
    ]
    /// The formats a volume can be written out in.
    static let exportFormats: Set<String> = ["raw", "qcow2"]

    /// A back end keeping its pools as directories under `root`. Pool names must be plain
    /// directory names and distinct.
    public init(root: String, pools: [FilePool], qemuImage: QemuImage = QemuImage()) throws {
        self.layout = try FileVolumeLayout(root: root, pools: pools)
        self.qemuImage = qemuImage
    }

    /// The back end's root directory (absolute).
    public var root: String { layout.root }

    // MARK: Volumes

    public func createVolume(_ volume: VolumeLocation, sizeGB: Int) async throws {
        let (path, format) = try newVolumeFile(volume)
        try await writeAtomically(path) { temporary in
            try await qemuImage.create(temporary, format: format, sizeBytes: try Self.bytes(ofGB: sizeGB))
        }
        try removeOtherFormats(of: volume, keeping: format)
    }

    public func deleteVolume(_ volume: VolumeLocation) async throws {
        for format in FileVolumeLayout.fileFormats {
            try LocalFiles.removeIfPresent(try layout.volumePath(volume, format: format))
        }
    }

    public func extendVolume(_ volume: VolumeLocation, newSizeGB: Int) async throws {
        let file = try existingVolumeFile(volume)
        let newSize = try Self.bytes(ofGB: newSizeGB)
        let current = try await qemuImage.info(file.path, format: file.format).virtualSize
        guard newSize >= current else {
            throw VolumeDriverError(
                "Volume \(volume.volumeID) is \(Self.gigabytes(current))GB and cannot shrink to \(newSizeGB)GB.")
        }
        if newSize > current {
            try await qemuImage.resize(file.path, format: file.format, sizeBytes: newSize)
        }
    }

    public func cloneVolume(_ source: VolumeLocation, to target: VolumeLocation, sizeGB: Int) async throws {
        let sourceFile = try existingVolumeFile(source)
        try await createVolume(target, sizeGB: sizeGB, copying: sourceFile)
    }

    // MARK: Snapshots

    public func createSnapshot(_ snapshotID: String, of volume: VolumeLocation) async throws {
        _ = try FileVolumeLayout.checkedID(snapshotID, kind: "snapshot")
        let volumeFile = try existingVolumeFile(volume)
        let path = try layout.snapshotPath(snapshotID, pool: volume.pool, format: volumeFile.format)
        try await writeAtomically(path) { temporary in
            try await qemuImage.convert(
                volumeFile.path, sourceFormat: volumeFile.format, to: temporary, format: volumeFile.format)
        }
    }

    public func deleteSnapshot(_ snapshotID: String, of volume: VolumeLocation) async throws {
        for format in FileVolumeLayout.fileFormats {
            try LocalFiles.removeIfPresent(try layout.snapshotPath(snapshotID, pool: volume.pool, format: format))
        }
    }

    public func createVolume(
        _ target: VolumeLocation, fromSnapshot snapshotID: String, of source: VolumeLocation, sizeGB: Int
    ) async throws {
        let snapshotFile = try existingSnapshotFile(snapshotID, of: source)
        try await createVolume(target, sizeGB: sizeGB, copying: snapshotFile)
    }

    public func revertVolume(_ volume: VolumeLocation, toSnapshot snapshotID: String) async throws {
        let volumeFile = try existingVolumeFile(volume)
        let snapshotFile = try existingSnapshotFile(snapshotID, of: volume)
        let currentSize = try await qemuImage.info(volumeFile.path, format: volumeFile.format).virtualSize
        try await writeAtomically(volumeFile.path) { temporary in
            try await qemuImage.convert(
                snapshotFile.path, sourceFormat: snapshotFile.format, to: temporary, format: volumeFile.format)
            try await grow(temporary, format: volumeFile.format, to: currentSize)
        }
    }

    // MARK: Images and backups

    public func createVolume(_ volume: VolumeLocation, sizeGB: Int, fromImageFile path: String, format: String) async throws {
        guard let imageFormat = Self.qemuFormatsOfImageFormats[format] else {
            throw VolumeDriverError("Image format '\(format)' is not supported by back end file.")
        }
        let (volumePath, volumeFormat) = try newVolumeFile(volume)
        let size = try Self.bytes(ofGB: sizeGB)
        let image = try await qemuImage.inspectUntrusted(path, declaredFormat: imageFormat)
        try Self.checkFits(image.virtualSize, inGB: sizeGB)
        try await writeAtomically(volumePath) { temporary in
            try await qemuImage.convert(path, sourceFormat: imageFormat, to: temporary, format: volumeFormat)
            try await grow(temporary, format: volumeFormat, to: size)
        }
        try removeOtherFormats(of: volume, keeping: volumeFormat)
    }

    public func exportVolume(_ volume: VolumeLocation, to path: String, format: String) async throws {
        guard Self.exportFormats.contains(format) else {
            throw VolumeDriverError("Volumes cannot be written out in format '\(format)'; use raw or qcow2.")
        }
        let volumeFile = try existingVolumeFile(volume)
        try await writeAtomically(path) { temporary in
            try await qemuImage.convert(volumeFile.path, sourceFormat: volumeFile.format, to: temporary, format: format)
        }
    }

    public func importVolume(_ volume: VolumeLocation, from path: String, format: String) async throws {
        guard Self.exportFormats.contains(format) else {
            throw VolumeDriverError("Volumes cannot be read from format '\(format)'; use raw or qcow2.")
        }
        let volumeFile = try existingVolumeFile(volume)
        let currentSize = try await qemuImage.info(volumeFile.path, format: volumeFile.format).virtualSize
        let incoming = try await qemuImage.inspectUntrusted(path, declaredFormat: format)
        try Self.checkFits(incoming.virtualSize, inGB: Self.gigabytes(currentSize))
        try await writeAtomically(volumeFile.path) { temporary in
            try await qemuImage.convert(path, sourceFormat: format, to: temporary, format: volumeFile.format)
            try await grow(temporary, format: volumeFile.format, to: currentSize)
        }
    }

    // MARK: Connections

    public func initializeConnection(_ volume: VolumeLocation, connector: JSONValue) async throws -> VolumeConnection {
        let file = try existingVolumeFile(volume)
        return VolumeConnection(
            driverVolumeType: "local",
            data: ["device_path": .string(file.path), "format": .string(file.format), "volume_id": .string(volume.volumeID)])
    }

    /// Nothing is exported to a host, so there is nothing to withdraw; the volume must exist.
    public func terminateConnection(_ volume: VolumeLocation, connector: JSONValue) async throws {
        _ = try existingVolumeFile(volume)
    }

    // MARK: Files

    /// A volume or snapshot file and its format.
    struct ImageFile {
        var path: String
        var format: String
    }

    /// The path a new volume gets in its pool's format (its pool's directory created).
    private func newVolumeFile(_ volume: VolumeLocation) throws -> (path: String, format: String) {
        let pool = try layout.pool(volume.pool)
        let path = try layout.volumePath(volume, format: pool.volumeFormat)
        try LocalFiles.createDirectory(layout.directory(of: pool))
        return (path, pool.volumeFormat)
    }

    /// The volume's file. A volume keeps the format it was created in, even if its pool has
    /// since been reconfigured between thin and thick.
    func existingVolumeFile(_ volume: VolumeLocation) throws -> ImageFile {
        let pool = try layout.pool(volume.pool)
        for format in [pool.volumeFormat] + FileVolumeLayout.fileFormats.filter({ $0 != pool.volumeFormat }) {
            let path = try layout.volumePath(volume, format: format)
            if LocalFiles.isRegularFile(path) { return ImageFile(path: path, format: format) }
        }
        throw VolumeDriverError("Volume \(volume.volumeID) was not found in pool \(volume.pool) of back end file.")
    }

    private func existingSnapshotFile(_ snapshotID: String, of volume: VolumeLocation) throws -> ImageFile {
        for format in FileVolumeLayout.fileFormats {
            let path = try layout.snapshotPath(snapshotID, pool: volume.pool, format: format)
            if LocalFiles.isRegularFile(path) { return ImageFile(path: path, format: format) }
        }
        throw VolumeDriverError("Snapshot \(snapshotID) was not found in pool \(volume.pool) of back end file.")
    }

    /// Creates `target` as a copy of one of the back end's own files, grown to `sizeGB`.
    private func createVolume(_ target: VolumeLocation, sizeGB: Int, copying source: ImageFile) async throws {
        let (path, format) = try newVolumeFile(target)
        let size = try Self.bytes(ofGB: sizeGB)
        let sourceSize = try await qemuImage.info(source.path, format: source.format).virtualSize
        try Self.checkFits(sourceSize, inGB: sizeGB)
        try await writeAtomically(path) { temporary in
            try await qemuImage.convert(source.path, sourceFormat: source.format, to: temporary, format: format)
            try await grow(temporary, format: format, to: size)
        }
        try removeOtherFormats(of: target, keeping: format)
    }

    /// Produces `path` by writing a temporary file beside it and renaming that into place;
    /// on any failure (or cancellation) the temporary file is removed and `path` is untouched.
    private func writeAtomically(_ path: String, _ produce: (String) async throws -> Void) async throws {
        let temporary = FileVolumeLayout.temporaryPath(beside: path)
        do {
            try await produce(temporary)
            try LocalFiles.rename(temporary, to: path)
        } catch {
            try? LocalFiles.removeIfPresent(temporary)
            throw error
        }
    }

    /// Grows an image to `size` bytes when it is smaller.
    private func grow(_ path: String, format: String, to size: Int64) async throws {
        let current = try await qemuImage.info(path, format: format).virtualSize
        if size > current {
            try await qemuImage.resize(path, format: format, sizeBytes: size)
        }
    }

    /// Removes a file the volume had in the other format (left from before its pool was
    /// reconfigured), once its new file is in place.
    private func removeOtherFormats(of volume: VolumeLocation, keeping format: String) throws {
        for other in FileVolumeLayout.fileFormats where other != format {
            try LocalFiles.removeIfPresent(try layout.volumePath(volume, format: other))
        }
    }

    // MARK: Sizes

    static func bytes(ofGB sizeGB: Int) throws -> Int64 {
        guard sizeGB > 0, sizeGB <= Int(Int64.max / bytesPerGiB) else {
            throw VolumeDriverError("Volume size must be a positive number of GB, not \(sizeGB).")
        }
        return Int64(sizeGB) * bytesPerGiB
    }

    /// Whole GiB, rounded up, as Cinder counts an image's size.
    static func gigabytes(_ bytes: Int64) -> Int {
        Int((bytes + bytesPerGiB - 1) / bytesPerGiB)
    }

    /// Cinder's check that an image's virtual size fits the volume it is written into.
    static func checkFits(_ virtualSize: Int64, inGB sizeGB: Int) throws {
        let imageGB = gigabytes(virtualSize)
        guard imageGB <= sizeGB else {
            throw VolumeDriverError("Image virtual size is \(imageGB)GB and doesn't fit in a volume of size \(sizeGB)GB.")
        }
    }
}
