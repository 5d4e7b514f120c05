import Foundation
import StratusKit
import Synchronization

/// A ring file as the proxy and the servers use it: which partition a path is in, which devices
/// hold it, and where to go when they fail.
///
/// The ring notices when its file changes: at most once per `reloadInterval` seconds, a call
/// compares the file's modification time, inode and size with those of the file it loaded (a
/// `stat`, nothing more) and, if they differ, loads the new file. A new file that does not load
/// leaves the old ring in use (`lastReloadError` says why) and is tried again after the next interval.
public final class Ring: Sendable {
    public let path: String
    public let hashPath: HashPath
    public let reloadInterval: Double
    private let clock: @Sendable () -> Timestamp
    private let state: Mutex<State>

    struct FileIdentity: Equatable {
        var modified: Date?
        var inode: UInt64?
        var size: UInt64?
    }

    struct State {
        var data: RingData
        var identity: FileIdentity
        var nextCheck: Timestamp
        var checking = false
        var reloads = 0
        var error: RingError?
    }

    /// Loads the ring file at `path` (throws if it cannot).
    /// - Parameters:
    ///   - hashPath: the cluster's hash path prefix and suffix (the same on every node).
    ///   - reloadInterval: seconds between checks of the file (0 checks on every call).
    ///   - clock: the time source (for tests).
    public init(
        path: String, hashPath: HashPath, reloadInterval: Double = 15,
        clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }
    ) throws {
        self.path = path
        self.hashPath = hashPath
        self.reloadInterval = max(reloadInterval, 0)
        self.clock = clock
        let identity = Ring.identity(of: path)
        let data = try RingFile.load(path)
        state = Mutex(
            State(data: data, identity: identity, nextCheck: Ring.later(clock(), reloadInterval)))
    }

    /// The ring in use (after reloading it if the file changed and a check is due).
    public var data: RingData {
        refreshIfDue()
        return state.withLock { $0.data }
    }

    public var partPower: Int { data.partPower }
    public var replicaCount: Int { data.replicaCount }
    public var partitionCount: Int { data.partitionCount }
    public var devices: [RingDevice] { data.devices.compactMap { $0 } }

    /// How many times the file was reloaded since this ring was made.
    public var reloadCount: Int { state.withLock { $0.reloads } }
    /// Why the last attempt to load a changed file failed (nil once one succeeds).
    public var lastReloadError: RingError? { state.withLock { $0.error } }

    /// The partition of an account, a container (with its account) or an object (with both).
    public func partition(account: String, container: String? = nil, object: String? = nil) throws -> Int {
        try hashPath.partition(account: account, container: container, object: object, partPower: data.partPower)
    }

    /// The partition and its primary devices, from one consistent ring.
    public func nodes(account: String, container: String? = nil, object: String? = nil) throws -> (
        partition: Int, nodes: [RingDevice]
    ) {
        let ring = data
        let partition = try hashPath.partition(
            account: account, container: container, object: object, partPower: ring.partPower)
        return (partition, ring.primaryNodes(partition: partition))
    }

    /// The devices holding a partition, in replica order.
    public func primaryNodes(partition: Int) -> [RingDevice] { data.primaryNodes(partition: partition) }

    /// A lazy sequence of other devices to use when primaries fail (see `HandoffNodes`).
    public func handoffNodes(partition: Int) -> HandoffNodes { data.handoffNodes(partition: partition) }

    /// Checks the file now, whatever the interval; true when a new ring was loaded.
    @discardableResult
    public func reloadIfChanged() -> Bool {
        let claimed = state.withLock { state -> Bool in
            guard !state.checking else { return false }
            state.checking = true
            state.nextCheck = Ring.later(clock(), reloadInterval)
            return true
        }
        return claimed ? check() : false
    }

    private func refreshIfDue() {
        let now = clock()
        let due = state.withLock { state -> Bool in
            guard now >= state.nextCheck, !state.checking else { return false }
            state.checking = true
            state.nextCheck = Ring.later(now, reloadInterval)
            return true
        }
        if due { check() }
    }

    /// Loads the file if it changed; the caller has set `checking`.
    @discardableResult
    private func check() -> Bool {
        let identity = Ring.identity(of: path)
        let known = state.withLock { $0.identity }
        guard identity.modified != nil, identity != known else {
            state.withLock { $0.checking = false }
            return false
        }
        do {
            let data = try RingFile.load(path)
            state.withLock {
                $0.data = data
                $0.identity = identity
                $0.reloads += 1
                $0.error = nil
                $0.checking = false
            }
            return true
        } catch {
            state.withLock {
                $0.error = error as? RingError ?? RingError.badFile(path: path, reason: "\(error)")
                $0.checking = false
            }
            return false
        }
    }

    static func identity(of path: String) -> FileIdentity {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            return FileIdentity(modified: nil, inode: nil, size: nil)
        }
        return FileIdentity(
            modified: attributes[.modificationDate] as? Date,
            inode: (attributes[.systemFileNumber] as? NSNumber)?.uint64Value,
            size: (attributes[.size] as? NSNumber)?.uint64Value)
    }

    private static func later(_ time: Timestamp, _ seconds: Double) -> Timestamp {
        Timestamp(microseconds: time.microseconds + Int64((seconds * 1_000_000).rounded()))
    }
}
