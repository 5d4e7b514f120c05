import Foundation
import StratusKit

/// Backups as files: `<root>/<backup id>/manifest.json` and `<root>/<backup id>/chunks/<sha256>`,
/// chunked as `BackupChunks` describes. A backup is written under a temporary name and renamed
/// into place, so a failure never leaves half a backup.
struct FileBackupStore: BackupStore {
    let root: String
    let chunkSize: Int

    init(root: String, chunkSize: Int = BackupChunks.defaultChunkSize) {
        self.root = root
        self.chunkSize = chunkSize
    }

    func directory(_ backupID: String) throws -> String {
        "\(root)/\(try BackupChunks.checkedID(backupID))"
    }

    func manifest(_ backupID: String) throws -> BackupChunks.Manifest {
        let path = try directory(backupID) + "/manifest.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VolumeDriverError("Backup \(backupID) has no data in the backup store.")
        }
        return try JSONDecoder().decode(BackupChunks.Manifest.self, from: data)
    }

    func write(backupID: String, rawImagePath: String, parentID: String?) async throws -> BackupWriteResult {
        let final = try directory(backupID)
        let parent = try parentID.map { try manifest($0) }
        let chunkSize = self.chunkSize
        let fileManager = FileManager.default
        try fileManager.createDirectory(atPath: root, withIntermediateDirectories: true)
        let staging = "\(root)/.tmp-\(backupID)-\(UUID().uuidString.prefix(8).lowercased())"
        try fileManager.createDirectory(atPath: staging + "/chunks", withIntermediateDirectories: true)
        do {
            let (manifest, storedCount) = try await BackupChunks.scan(
                backupID: backupID, rawImagePath: rawImagePath, parent: parent, chunkSize: chunkSize
            ) { chunk in
                let file = URL(fileURLWithPath: "\(staging)/chunks/\(chunk.hash ?? "")")
                try await BackupChunks.offloaded { try chunk.data.write(to: file) }
            }
            try manifest.encoded().write(to: URL(fileURLWithPath: staging + "/manifest.json"))
            try? fileManager.removeItem(atPath: final)
            try fileManager.moveItem(atPath: staging, toPath: final)
            return BackupWriteResult(
                sizeBytes: manifest.sizeBytes, chunkCount: manifest.chunks.count, storedChunkCount: storedCount)
        } catch {
            try? fileManager.removeItem(atPath: staging)
            throw error
        }
    }

    func restore(backupID: String, to path: String) async throws {
        // A chunk is stored by the nearest backup of the chain that changed it.
        let chain = try await BackupChunks.chain(of: backupID) { try manifest($0) }
        let directories = try chain.map { try directory($0.backupID) }
        try await BackupChunks.restore(chain[0], to: path) { _, hash in
            try await BackupChunks.offloaded {
                let fileManager = FileManager.default
                return directories.map { "\($0)/chunks/\(hash)" }.first(where: { fileManager.fileExists(atPath: $0) })
                    .flatMap { fileManager.contents(atPath: $0) }
            }
        }
    }

    func delete(backupID: String) async throws {
        let path = try directory(backupID)
        try await BackupChunks.offloaded {
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        }
    }
}
