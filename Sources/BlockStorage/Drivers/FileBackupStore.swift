import Crypto
import Foundation
import StratusKit

/// Backups as files: `<root>/<backup id>/manifest.json` and `<root>/<backup id>/chunks/<sha256>`.
/// The image is cut into 4 MiB chunks named by their SHA-256. A full backup stores every
/// chunk that is not all zeros; an incremental one only those whose hash differs from its
/// parent's at the same offset (the others are found by walking up the parents). Zero chunks
/// are recorded, not stored. A backup is written under a temporary name and renamed into
/// place, so a failure never leaves half a backup.
struct FileBackupStore: BackupStore {
    let root: String
    let chunkSize: Int

    static let defaultChunkSize = 4 << 20

    init(root: String, chunkSize: Int = defaultChunkSize) {
        self.root = root
        self.chunkSize = chunkSize
    }

    /// The JSON manifest of one backup.
    struct Manifest: Codable, Equatable {
        var backupID: String
        var parentID: String?
        var sizeBytes: Int64
        var chunkSize: Int
        /// The SHA-256 (hex) of each chunk by index; nil for a chunk of zeros.
        var chunks: [String?]

        enum CodingKeys: String, CodingKey {
            case backupID = "backup_id", parentID = "parent_id", sizeBytes = "size", chunkSize = "chunk_size", chunks
        }
    }

    func directory(_ backupID: String) throws -> String {
        "\(root)/\(try Self.checkedID(backupID))"
    }

    func manifest(_ backupID: String) throws -> Manifest {
        let path = try directory(backupID) + "/manifest.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VolumeDriverError("Backup \(backupID) has no data in the backup store.")
        }
        return try JSONDecoder().decode(Manifest.self, from: data)
    }

    func write(backupID: String, rawImagePath: String, parentID: String?) async throws -> BackupWriteResult {
        let final = try directory(backupID)
        let parent = try parentID.map { try manifest($0) }
        let chunkSize = self.chunkSize
        return try await Self.offloaded {
            let fileManager = FileManager.default
            try fileManager.createDirectory(atPath: root, withIntermediateDirectories: true)
            let staging = "\(root)/.tmp-\(backupID)-\(UUID().uuidString.prefix(8).lowercased())"
            try fileManager.createDirectory(atPath: staging + "/chunks", withIntermediateDirectories: true)
            do {
                guard let input = FileHandle(forReadingAtPath: rawImagePath) else {
                    throw VolumeDriverError("The exported volume image \(rawImagePath) cannot be read.")
                }
                defer { try? input.close() }
                var zeroHashes: [Int: String] = [:]
                var chunks: [String?] = []
                var stored: Set<String> = []
                var size: Int64 = 0
                while let data = try input.read(upToCount: chunkSize), !data.isEmpty {
                    let index = chunks.count
                    size += Int64(data.count)
                    let hash = Self.sha256(data)
                    let zeroHash = zeroHashes[data.count] ?? Self.sha256(Data(count: data.count))
                    zeroHashes[data.count] = zeroHash
                    if hash == zeroHash {
                        chunks.append(nil)
                        continue
                    }
                    chunks.append(hash)
                    let inParent = parent.map { index < $0.chunks.count && $0.chunks[index] == hash } ?? false
                    if !inParent, !stored.contains(hash) {
                        try data.write(to: URL(fileURLWithPath: "\(staging)/chunks/\(hash)"))
                        stored.insert(hash)
                    }
                }
                let manifest = Manifest(
                    backupID: backupID, parentID: parentID, sizeBytes: size, chunkSize: chunkSize, chunks: chunks)
                let encoder = JSONEncoder()
                encoder.outputFormatting = .sortedKeys
                try encoder.encode(manifest).write(to: URL(fileURLWithPath: staging + "/manifest.json"))
                try? fileManager.removeItem(atPath: final)
                try fileManager.moveItem(atPath: staging, toPath: final)
                return BackupWriteResult(sizeBytes: size, chunkCount: chunks.count, storedChunkCount: stored.count)
            } catch {
                try? fileManager.removeItem(atPath: staging)
                throw error
            }
        }
    }

    func restore(backupID: String, to path: String) async throws {
        // The backup and its parents, nearest first: a chunk is stored by the first that changed it.
        var chain: [(directory: String, manifest: Manifest)] = []
        var next: String? = backupID
        while let id = next {
            guard !chain.contains(where: { $0.manifest.backupID == id }) else {
                throw VolumeDriverError("Backup \(backupID) has a cycle in its chain of parents.")
            }
            let manifest = try manifest(id)
            chain.append((try directory(id), manifest))
            next = manifest.parentID
        }
        let top = chain[0].manifest
        let directories = chain.map(\.directory)
        try await Self.offloaded {
            let fileManager = FileManager.default
            try? fileManager.removeItem(atPath: path)
            guard fileManager.createFile(atPath: path, contents: nil), let output = FileHandle(forWritingAtPath: path) else {
                throw VolumeDriverError("Cannot create \(path) to restore backup \(backupID) into.")
            }
            do {
                defer { try? output.close() }
                try output.truncate(atOffset: UInt64(top.sizeBytes))
                for (index, hash) in top.chunks.enumerated() {
                    guard let hash else { continue }
                    guard let source = directories.map({ "\($0)/chunks/\(hash)" }).first(where: { fileManager.fileExists(atPath: $0) }),
                        let data = fileManager.contents(atPath: source)
                    else {
                        throw VolumeDriverError("Backup \(backupID) is missing the data of chunk \(index) (\(hash)).")
                    }
                    guard Self.sha256(data) == hash else {
                        throw VolumeDriverError("Backup \(backupID) has a damaged chunk \(index) (\(hash)).")
                    }
                    try output.seek(toOffset: UInt64(index) * UInt64(top.chunkSize))
                    try output.write(contentsOf: data)
                }
            } catch {
                try? fileManager.removeItem(atPath: path)
                throw error
            }
        }
    }

    func delete(backupID: String) async throws {
        let path = try directory(backupID)
        try await Self.offloaded {
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        }
    }

    static func sha256(_ data: Data) -> String { Hex.lowercase(SHA256.hash(data: data)) }

    /// Backup ids become directory names: only UUID-shaped ones are accepted.
    static func checkedID(_ id: String) throws -> String {
        guard let uuid = UUID(uuidString: id), uuid.uuidString.lowercased() == id.lowercased() else {
            throw VolumeDriverError("'\(id)' is not a valid backup id.")
        }
        return id
    }

    /// Runs blocking file work on a dispatch thread, not on the concurrency pool.
    static func offloaded<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }
}
