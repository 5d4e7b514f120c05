import Foundation

/// Where backups keep volume data (Cinder's backup driver): a backup is the raw image of a
/// volume, stored under the backup's id; an incremental one stores only what changed since
/// its parent and needs the parent's data to be restored.
protocol BackupStore: Sendable {
    /// Stores the raw image at `rawImagePath` as backup `backupID`, building on `parentID`'s
    /// data when given. Nothing is kept when it throws.
    func write(backupID: String, rawImagePath: String, parentID: String?) async throws -> BackupWriteResult
    /// Writes the backup's raw image (walking its chain of parents) to a new file at `path`.
    func restore(backupID: String, to path: String) async throws
    /// Removes the backup's data; one already gone is not an error.
    func delete(backupID: String) async throws
}

/// What writing a backup stored.
struct BackupWriteResult: Sendable, Equatable {
    /// The image's size in bytes.
    var sizeBytes: Int64
    /// Chunks in the image, zero ones included.
    var chunkCount: Int
    /// Chunks this backup stored itself (Cinder's `object_count`).
    var storedChunkCount: Int
}
