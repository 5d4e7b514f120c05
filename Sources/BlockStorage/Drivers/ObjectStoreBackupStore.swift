import Foundation
import ServiceClients
import StratusKit

/// Backups in Object Storage (Cinder's swift backup driver), in one container of the service
/// project's account: `<backup id>/chunk-<offset>` for each chunk the backup stores itself
/// (named by its byte offset in the image, zero-padded so names sort by offset) and
/// `<backup id>/manifest`, the JSON manifest of `BackupChunks`, written last. A chunk of an
/// incremental backup that equals its parent's at the same offset is not stored: restoring
/// reads it from the nearest backup up the chain that changed it.
struct ObjectStoreBackupStore: BackupStore {
    let client: any ObjectStoreClient
    let container: String
    let chunkSize: Int

    init(client: any ObjectStoreClient, container: String, chunkSize: Int = BackupChunks.defaultChunkSize) {
        self.client = client
        self.container = container
        self.chunkSize = chunkSize
    }

    static func manifestName(_ backupID: String) -> String { backupID + "/manifest" }

    static func chunkName(_ backupID: String, offset: Int64) -> String {
        let digits = String(offset)
        return backupID + "/chunk-" + String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }

    func manifest(_ backupID: String) async throws -> BackupChunks.Manifest {
        let name = Self.manifestName(try BackupChunks.checkedID(backupID))
        guard let data = try await client.object(container: container, name: name) else {
            throw VolumeDriverError("Backup \(backupID) has no data in the backup store.")
        }
        return try JSONDecoder().decode(BackupChunks.Manifest.self, from: Data(data))
    }

    func write(backupID: String, rawImagePath: String, parentID: String?) async throws -> BackupWriteResult {
        _ = try BackupChunks.checkedID(backupID)
        var parent: BackupChunks.Manifest?
        if let parentID { parent = try await manifest(parentID) }
        try await client.ensureContainer(container)
        let chunkSize = self.chunkSize
        do {
            // Every chunk that differs from the parent's at its offset is stored under that
            // offset (the same data at two offsets is stored twice), so its owner is known.
            let (manifest, storedCount) = try await BackupChunks.scan(
                backupID: backupID, rawImagePath: rawImagePath, parent: parent, chunkSize: chunkSize,
                deduplicate: false
            ) { chunk in
                let name = Self.chunkName(backupID, offset: Int64(chunk.index) * Int64(chunkSize))
                try await client.putObject(container: container, name: name, data: Array(chunk.data))
            }
            try await client.putObject(
                container: container, name: Self.manifestName(backupID), data: Array(try manifest.encoded()))
            return BackupWriteResult(
                sizeBytes: manifest.sizeBytes, chunkCount: manifest.chunks.count, storedChunkCount: storedCount)
        } catch {
            try? await delete(backupID: backupID)
            throw error
        }
    }

    func restore(backupID: String, to path: String) async throws {
        let chain = try await BackupChunks.chain(of: backupID) { try await manifest($0) }
        let top = chain[0]
        try await BackupChunks.restore(top, to: path) { index, hash in
            let owner = Self.owner(ofChunk: index, hash: hash, in: chain)
            let offset = Int64(index) * Int64(top.chunkSize)
            return try await client.object(container: container, name: Self.chunkName(owner, offset: offset)).map { Data($0) }
        }
    }

    /// The id of the backup that stored chunk `index`: walking up from the top of the chain,
    /// the last one whose parent has a different chunk there.
    static func owner(ofChunk index: Int, hash: String, in chain: [BackupChunks.Manifest]) -> String {
        var owner = chain[0].backupID
        for manifest in chain.dropFirst() {
            guard index < manifest.chunks.count, manifest.chunks[index] == hash else { break }
            owner = manifest.backupID
        }
        return owner
    }

    /// Removes the manifest first (so a half-deleted backup is never restored), then its chunks.
    func delete(backupID: String) async throws {
        let id = try BackupChunks.checkedID(backupID)
        try await client.deleteObject(container: container, name: Self.manifestName(id))
        for name in try await client.objectNames(container: container, prefix: id + "/") {
            try await client.deleteObject(container: container, name: name)
        }
    }
}
