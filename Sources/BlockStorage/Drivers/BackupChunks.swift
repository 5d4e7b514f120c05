import Crypto
import Foundation
import StratusKit

/// What every backup store shares: the image is cut into fixed-size chunks (4 MiB), each
/// named by its SHA-256; chunks of zeros are recorded, not stored; an incremental backup
/// stores only the chunks whose hash differs from its parent's at the same offset.
enum BackupChunks {
    static let defaultChunkSize = 4 << 20

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

        func encoded() throws -> Data {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            return try encoder.encode(self)
        }
    }

    /// One chunk of an image being backed up.
    struct Chunk {
        var index: Int
        var data: Data
        /// Its SHA-256; nil when it is all zeros.
        var hash: String?
    }

    /// Reads the image at `rawImagePath` chunk by chunk and hands each to `store` when this
    /// backup must keep it (not zeros, not already in `parent` at that offset, and with
    /// `deduplicate` not already handed over under the same hash); returns the manifest and
    /// how many chunks were handed over.
    static func scan(
        backupID: String, rawImagePath: String, parent: Manifest?, chunkSize: Int, deduplicate: Bool = true,
        store: (Chunk) async throws -> Void
    ) async throws -> (manifest: Manifest, storedChunkCount: Int) {
        guard let input = FileHandle(forReadingAtPath: rawImagePath) else {
            throw VolumeDriverError("The exported volume image \(rawImagePath) cannot be read.")
        }
        defer { try? input.close() }
        var zeroHashes: [Int: String] = [:]
        var chunks: [String?] = []
        var stored: Set<String> = []
        var size: Int64 = 0
        var handedOver = 0
        while let data = try await offloaded({ try input.read(upToCount: chunkSize) }), !data.isEmpty {
            let index = chunks.count
            size += Int64(data.count)
            let hash = sha256(data)
            let zeroHash = zeroHashes[data.count] ?? sha256(Data(count: data.count))
            zeroHashes[data.count] = zeroHash
            if hash == zeroHash {
                chunks.append(nil)
                continue
            }
            chunks.append(hash)
            let inParent = parent.map { index < $0.chunks.count && $0.chunks[index] == hash } ?? false
            if !inParent, !(deduplicate && stored.contains(hash)) {
                try await store(Chunk(index: index, data: data, hash: hash))
                stored.insert(hash)
                handedOver += 1
            }
        }
        let manifest = Manifest(backupID: backupID, parentID: parent?.backupID, sizeBytes: size, chunkSize: chunkSize, chunks: chunks)
        return (manifest, handedOver)
    }

    /// The backup's manifest and its parents', nearest first, each read by `load`.
    static func chain(of backupID: String, load: (String) async throws -> Manifest) async throws -> [Manifest] {
        var chain: [Manifest] = []
        var next: String? = backupID
        while let id = next {
            guard !chain.contains(where: { $0.backupID == id }) else {
                throw VolumeDriverError("Backup \(backupID) has a cycle in its chain of parents.")
            }
            let manifest = try await load(id)
            chain.append(manifest)
            next = manifest.parentID
        }
        return chain
    }

    /// Writes the image of the chain's top backup into a new file at `path`: its size, then
    /// every stored chunk at its offset, each read by `read(index, hash)` (nil: missing) and
    /// checked against its hash. Chunks the manifest leaves out stay holes. A failed restore
    /// removes the file.
    static func restore(
        _ top: Manifest, to path: String, read: (_ index: Int, _ hash: String) async throws -> Data?
    ) async throws {
        let backupID = top.backupID
        let output = try await offloaded { () throws -> FileHandle in
            try? FileManager.default.removeItem(atPath: path)
            guard FileManager.default.createFile(atPath: path, contents: nil),
                let output = FileHandle(forWritingAtPath: path)
            else {
                throw VolumeDriverError("Cannot create \(path) to restore backup \(backupID) into.")
            }
            return output
        }
        do {
            defer { try? output.close() }
            try await offloaded { try output.truncate(atOffset: UInt64(top.sizeBytes)) }
            for (index, hash) in top.chunks.enumerated() {
                guard let hash else { continue }
                guard let data = try await read(index, hash) else {
                    throw VolumeDriverError("Backup \(backupID) is missing the data of chunk \(index) (\(hash)).")
                }
                try verify(data, hash: hash, index: index, backupID: backupID)
                try await offloaded {
                    try output.seek(toOffset: UInt64(index) * UInt64(top.chunkSize))
                    try output.write(contentsOf: data)
                }
            }
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    /// Checks a chunk read back against the hash its manifest recorded.
    static func verify(_ data: Data, hash: String, index: Int, backupID: String) throws {
        guard sha256(data) == hash else {
            throw VolumeDriverError("Backup \(backupID) has a damaged chunk \(index) (\(hash)).")
        }
    }

    static func sha256(_ data: Data) -> String { Hex.lowercase(SHA256.hash(data: data)) }

    /// Backup ids become directory and object names: only UUID-shaped ones are accepted.
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
