import Foundation
import StratusKit

/// Account updates that could not be delivered, kept on disk for the container updater:
///
///     <devices>/<device>/async_pending_containers/<suffix>/<hash>-<timestamp>
///
/// on the device of the container whose update failed; `<hash>` is the container's hash (as in
/// its database path), `<suffix>` its last three hex digits, `<timestamp>` the internal form of
/// the time the update was queued (its offset is raised when two are queued in the same 10 µs).
/// Each file is one JSON object, written atomically:
///
///     {"account": "AUTH_a", "container": "c", "put_timestamp": "1700000000.00000",
///      "delete_timestamp": "0000000000.00000", "object_count": 3, "bytes_used": 42,
///      "storage_policy_index": 0, "trans_id": "-", "override_deleted": false,
///      "queued_at": "1700000001.00000",
///      "targets": [{"host": "10.0.0.2:6202", "device": "sdb", "partition": "17"}]}
///
/// `targets` are the account servers that did not take the update. For the updater: files of one
/// container sort oldest first; a newer file carries newer stats, so once it is delivered to a
/// target the older files' entries for that target can be dropped (account servers keep the
/// newest put and delete timestamps, but take the object count and bytes of the last update
/// they receive). Remove a file when no target is left (`remove`), or `store` it again with the
/// remaining targets.
public struct AccountUpdateQueue: Sendable {
    public static let directoryName = "async_pending_containers"

    public let devicesRoot: String

    public init(devicesRoot: String) { self.devicesRoot = devicesRoot }

    /// A queued update and where it came from.
    public struct Entry: Sendable, Equatable {
        public var path: String
        public var containerHash: String
        public var queuedAt: SwiftTimestamp
        public var update: AccountUpdate
        public var targets: [AccountUpdateTarget]
    }

    /// Writes a new file for `update` and `targets`; returns its path.
    @discardableResult
    public func enqueue(
        _ update: AccountUpdate, targets: [AccountUpdateTarget], device: String, containerHash: String,
        now: SwiftTimestamp = .now()
    ) throws -> String {
        let directory = "\(devicesRoot)/\(device)/\(Self.directoryName)/\(containerHash.suffix(3))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var queuedAt = now
        var path = "\(directory)/\(containerHash)-\(queuedAt.internal)"
        while FileManager.default.fileExists(atPath: path) {
            guard let next = queuedAt.incrementingOffset(by: 1) else { break }
            queuedAt = next
            path = "\(directory)/\(containerHash)-\(queuedAt.internal)"
        }
        try store(Entry(path: path, containerHash: containerHash, queuedAt: queuedAt, update: update, targets: targets))
        return path
    }

    /// Writes `entry` at `entry.path` (replacing the file).
    public func store(_ entry: Entry) throws {
        let update = entry.update
        let json: JSONValue = [
            "account": .string(update.account), "container": .string(update.container),
            "put_timestamp": .string(update.putTimestamp.internal),
            "delete_timestamp": .string(update.deleteTimestamp.internal),
            "object_count": .int(update.objectCount), "bytes_used": .int(update.bytesUsed),
            "storage_policy_index": .int(Int64(update.storagePolicyIndex)), "trans_id": .string(update.transactionID),
            "override_deleted": .bool(update.overrideDeleted), "queued_at": .string(entry.queuedAt.internal),
            "targets": .array(
                entry.targets.map {
                    ["host": .string($0.host), "device": .string($0.device), "partition": .string($0.partition)]
                }),
        ]
        try AtomicFile.store(json.serialized(), at: entry.path, permissions: 0o600)
    }

    /// The queued files of a device, by container hash, oldest first within a container.
    public func list(device: String) -> [String] {
        let root = "\(devicesRoot)/\(device)/\(Self.directoryName)"
        var paths: [(hash: String, time: SwiftTimestamp, path: String)] = []
        let suffixes = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for suffix in suffixes.sorted() {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(suffix)")) ?? [] {
                guard let (hash, time) = Self.parseName(name) else { continue }
                paths.append((hash, time, "\(root)/\(suffix)/\(name)"))
            }
        }
        return paths.sorted { ($0.hash, $0.time) < ($1.hash, $1.time) }.map(\.path)
    }

    /// Reads a queued file.
    public func load(_ path: String) throws -> Entry {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BrokerError.io("cannot read \(path)")
        }
        let name = (path as NSString).lastPathComponent
        guard let (hash, _) = Self.parseName(name), let object = try? JSONValue.parse(data).objectValue,
            let account = object["account"]?.stringValue, let container = object["container"]?.stringValue,
            let put = object["put_timestamp"]?.stringValue.flatMap(SwiftTimestamp.init),
            let delete = object["delete_timestamp"]?.stringValue.flatMap(SwiftTimestamp.init),
            let count = object["object_count"]?.intValue, let bytes = object["bytes_used"]?.intValue,
            let queuedAt = object["queued_at"]?.stringValue.flatMap(SwiftTimestamp.init)
        else {
            throw BrokerError.invalid("\(path) is not a queued account update")
        }
        let targets = (object["targets"]?.arrayValue ?? []).compactMap { target -> AccountUpdateTarget? in
            guard let host = target["host"]?.stringValue, let device = target["device"]?.stringValue,
                let partition = target["partition"]?.stringValue
            else { return nil }
            return AccountUpdateTarget(host: host, device: device, partition: partition)
        }
        let update = AccountUpdate(
            account: account, container: container, putTimestamp: put, deleteTimestamp: delete, objectCount: count,
            bytesUsed: bytes, storagePolicyIndex: Int(object["storage_policy_index"]?.intValue ?? 0),
            transactionID: object["trans_id"]?.stringValue ?? "-",
            overrideDeleted: object["override_deleted"]?.boolValue ?? false)
        return Entry(path: path, containerHash: hash, queuedAt: queuedAt, update: update, targets: targets)
    }

    public func remove(_ path: String) throws {
        try FileManager.default.removeItem(atPath: path)
    }

    /// `<hash>-<timestamp>` → its parts.
    private static func parseName(_ name: String) -> (String, SwiftTimestamp)? {
        guard let dash = name.firstIndex(of: "-"), let time = SwiftTimestamp(String(name[name.index(after: dash)...]))
        else { return nil }
        let hash = String(name[..<dash])
        guard hash.count == 32, hash.allSatisfy(\.isHexDigit) else { return nil }
        return (hash, time)
    }
}
