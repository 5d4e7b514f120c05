import Foundation
import StratusKit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The objects a device holds that expire, for the expirer: one small file per object and
/// expiry time, written by the object server whenever it stores an `X-Delete-At` (a PUT, a
/// POST, or a replicated `.data`):
///
/// ```
/// <device>/expirer_queue/<delete_at: 10 digits>-<object hash>
/// {"account": "AUTH_a", "container": "c", "obj": "o", "delete_at": 1700000000}
/// ```
///
/// Names sort by expiry time, so the expirer reads only the due ones. An object given a new
/// `X-Delete-At` has one entry per time; the stale ones are dropped by the expirer when the
/// object server answers that the object's `X-Delete-At` is no longer theirs (412). Every
/// replica's device has its own entries, so any one device is enough to expire the object.
/// (Swift keeps these in containers of the `.expiring_objects` account instead.)
public enum ExpirerQueue {
    public static let directoryName = "expirer_queue"

    public struct Entry: Sendable, Equatable, Codable {
        public var account: String
        public var container: String
        public var object: String
        public var deleteAt: Int64
        /// The entry's file (not stored in it).
        public var path: String = ""

        enum CodingKeys: String, CodingKey {
            case account, container
            case object = "obj"
            case deleteAt = "delete_at"
        }
    }

    static func fileName(deleteAt: Int64, hash: String) -> String {
        let digits = String(max(deleteAt, 0))
        return String(repeating: "0", count: max(0, 10 - digits.count)) + digits + "-" + hash
    }

    /// Adds (or rewrites) the entry of an object on the device at `devicePath`.
    @discardableResult
    public static func record(
        devicePath: String, hash: String, account: String, container: String, object: String, deleteAt: Int64
    ) throws -> String {
        let directory = devicePath + "/" + directoryName
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + fileName(deleteAt: deleteAt, hash: hash)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let entry = Entry(account: account, container: container, object: object, deleteAt: deleteAt)
        try AtomicFile.store(Array(try encoder.encode(entry)), at: path)
        return path
    }

    /// The entries whose time is at or before `now`, oldest first. Unreadable files are
    /// returned with an empty account (the expirer removes them).
    public static func due(devicePath: String, now: Double) -> [Entry] {
        let directory = devicePath + "/" + directoryName
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        var entries: [Entry] = []
        for name in names {
            guard let dash = name.firstIndex(of: "-"), let deleteAt = Int64(name[..<dash]) else { continue }
            if Double(deleteAt) > now { break }
            let path = directory + "/" + name
            var entry =
                FileManager.default.contents(atPath: path).flatMap { try? JSONDecoder().decode(Entry.self, from: $0) }
                ?? Entry(account: "", container: "", object: "", deleteAt: deleteAt)
            entry.path = path
            entries.append(entry)
        }
        return entries
    }

    /// How many entries the device holds (due or not).
    public static func count(devicePath: String) -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: devicePath + "/" + directoryName)) ?? [])
            .filter { !$0.hasPrefix(".") }.count
    }

    public static func remove(_ entry: Entry) {
        unlink(entry.path)
    }
}
