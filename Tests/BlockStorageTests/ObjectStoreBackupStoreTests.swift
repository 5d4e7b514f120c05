import Foundation
import ServiceClients
import StratusKit
import Synchronization
import XCTest

@testable import BlockStorage

/// The swift backup store's object layout, chain walk and cleanup, over an in-memory account
/// (the HTTP client itself is exercised by interop/scenarios/volume_backup_swift.sh).
final class ObjectStoreBackupStoreTests: XCTestCase {
    /// Containers of objects held in memory, as one Object Storage account.
    final class MemoryObjectStore: ObjectStoreClient {
        let objects = Mutex<[String: [String: [UInt8]]]>([:])

        func ensureContainer(_ container: String) async throws {
            objects.withLock { if $0[container] == nil { $0[container] = [:] } }
        }
        func putObject(container: String, name: String, data: [UInt8]) async throws {
            try objects.withLock {
                guard $0[container] != nil else { throw ServiceClientError(service: "object-store", status: 404, message: "no container") }
                $0[container]![name] = data
            }
        }
        func putObject(container: String, name: String, fileAt path: String) async throws {
            try await putObject(container: container, name: name, data: [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
        }
        func object(container: String, name: String) async throws -> [UInt8]? {
            objects.withLock { $0[container]?[name] }
        }
        func deleteObject(container: String, name: String) async throws {
            _ = objects.withLock { $0[container]?.removeValue(forKey: name) }
        }
        func objectNames(container: String, prefix: String) async throws -> [String] {
            objects.withLock { ($0[container] ?? [:]).keys.filter { $0.hasPrefix(prefix) }.sorted() }
        }
    }

    func testChunksByOffsetIncrementalChainRestoreAndDelete() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("swift-backup-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let client = MemoryObjectStore()
        let store = ObjectStoreBackupStore(client: client, container: "volumebackups", chunkSize: 4096)
        var image = [UInt8](repeating: 0, count: 4096 * 4 + 100)
        image[0] = 1
        image[4096] = 1  // the same data as chunk 0 at another offset: stored under both offsets
        image[4096 * 2 + 7] = 2
        image[4096 * 4 + 50] = 3
        let path = root + "/image.raw"
        try Data(image).write(to: URL(fileURLWithPath: path))
        let fullID = UUID().uuidString.lowercased()
        let full = try await store.write(backupID: fullID, rawImagePath: path, parentID: nil)
        XCTAssertEqual(full, BackupWriteResult(sizeBytes: Int64(image.count), chunkCount: 5, storedChunkCount: 4))
        let fullNames = try await client.objectNames(container: "volumebackups", prefix: fullID + "/")
        XCTAssertEqual(fullNames, [0, 4096, 8192, 16384].map { "\(fullID)/chunk-" + String(format: "%016d", $0) } + ["\(fullID)/manifest"])

        image[4096 * 2 + 7] = 9
        try Data(image).write(to: URL(fileURLWithPath: path))
        let nextID = UUID().uuidString.lowercased()
        let next = try await store.write(backupID: nextID, rawImagePath: path, parentID: fullID)
        XCTAssertEqual(next.storedChunkCount, 1)
        let nextNames = try await client.objectNames(container: "volumebackups", prefix: nextID + "/")
        XCTAssertEqual(nextNames, ["\(nextID)/chunk-0000000000008192", "\(nextID)/manifest"])

        let restored = root + "/restored.raw"
        try await store.restore(backupID: nextID, to: restored)
        XCTAssertEqual([UInt8](try Data(contentsOf: URL(fileURLWithPath: restored))), image)
        try await store.restore(backupID: fullID, to: restored)
        XCTAssertEqual([UInt8](try Data(contentsOf: URL(fileURLWithPath: restored)))[4096 * 2 + 7], 2)

        // A damaged chunk is found, and the partial restore removed.
        try await client.putObject(container: "volumebackups", name: "\(fullID)/chunk-0000000000000000", data: [0xff])
        do {
            try await store.restore(backupID: nextID, to: restored)
            XCTFail("a damaged chunk was restored")
        } catch let error as VolumeDriverError {
            XCTAssertTrue(error.message.contains("damaged"), error.message)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: restored))

        // A failed write keeps nothing; delete removes every object of the backup.
        let failedID = UUID().uuidString.lowercased()
        do {
            _ = try await store.write(backupID: failedID, rawImagePath: root + "/missing.raw", parentID: nil)
            XCTFail("a missing image was backed up")
        } catch is VolumeDriverError {}
        let failedNames = try await client.objectNames(container: "volumebackups", prefix: failedID + "/")
        XCTAssertEqual(failedNames, [])
        try await store.delete(backupID: nextID)
        try await store.delete(backupID: fullID)
        try await store.delete(backupID: fullID)
        let left = try await client.objectNames(container: "volumebackups", prefix: "")
        XCTAssertEqual(left, [])
    }
}
