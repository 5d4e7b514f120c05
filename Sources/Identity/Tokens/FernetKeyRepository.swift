import Foundation
import StratusKit
import Synchronization

/// A directory of Fernet keys laid out as Keystone's `fernet_setup` makes it: file `0` is
/// the staged key (next to become primary), the highest number is the primary key that
/// seals new tokens, the ones between are secondary keys that still open older tokens.
public final class FernetKeyRepository: Sendable {
    public let directory: String
    public let maxActiveKeys: Int
    private let keys = Mutex<[(index: Int, key: FernetKey)]>([])

    public init(directory: String, maxActiveKeys: Int = 3) {
        self.directory = directory
        self.maxActiveKeys = max(maxActiveKeys, 2)
    }

    /// Creates the repository with a staged and a primary key when it does not exist yet,
    /// then loads it.
    public func setUpIfNeeded() throws {
        let fileManager = FileManager.default
        try fileManager.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if try indexesOnDisk().isEmpty {
            try writeKey(index: 0)
            try writeKey(index: 1)
        }
        try reload()
    }

    /// Rotates as Keystone does: the staged key becomes the new primary, a new staged key
    /// is made, and the oldest secondary keys beyond `maxActiveKeys` are removed.
    /// Returns the indexes held afterwards.
    @discardableResult
    public func rotate() throws -> [Int] {
        let indexes = try indexesOnDisk()
        guard indexes.contains(0) else { throw FernetRepositoryError("no staged key 0 in \(directory)") }
        let newPrimary = (indexes.max() ?? 0) + 1
        try FileManager.default.moveItem(atPath: path(0), toPath: path(newPrimary))
        try writeKey(index: 0)
        var held = try indexesOnDisk().sorted()
        while held.count > maxActiveKeys, let oldest = held.first(where: { $0 != 0 }) {
            try FileManager.default.removeItem(atPath: path(oldest))
            held.removeAll { $0 == oldest }
        }
        try reload()
        return held
    }

    /// Re-reads the key files (after a rotation by another process).
    public func reload() throws {
        var loaded: [(Int, FernetKey)] = []
        for index in try indexesOnDisk() {
            let text = try String(contentsOfFile: path(index), encoding: .utf8)
            guard let key = FernetKey(base64: text) else {
                throw FernetRepositoryError("\(path(index)) is not a valid Fernet key")
            }
            loaded.append((index, key))
        }
        guard loaded.count >= 2 else { throw FernetRepositoryError("\(directory) holds fewer than two keys") }
        // Primary first, so validation tries the most likely key first.
        let ordered = loaded.sorted { lhs, rhs in lhs.0 == 0 ? false : rhs.0 == 0 ? true : lhs.0 > rhs.0 }
        keys.withLock { $0 = ordered.map { (index: $0.0, key: $0.1) } }
    }

    public var primaryKey: FernetKey { keys.withLock { $0[0].key } }
    public var allKeys: [FernetKey] { keys.withLock { $0.map(\.key) } }
    public var heldIndexes: [Int] { keys.withLock { $0.map(\.index) } }

    private func path(_ index: Int) -> String { directory + "/" + String(index) }

    private func writeKey(index: Int) throws {
        let file = path(index)
        let created = FileManager.default.createFile(
            atPath: file, contents: Data(FernetKey.generateEncoded().utf8), attributes: [.posixPermissions: 0o600])
        if !created { throw FernetRepositoryError("cannot write \(file)") }
    }

    private func indexesOnDisk() throws -> [Int] {
        try FileManager.default.contentsOfDirectory(atPath: directory).compactMap(Int.init)
    }
}

public struct FernetRepositoryError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
