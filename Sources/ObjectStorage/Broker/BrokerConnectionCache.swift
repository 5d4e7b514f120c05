import Foundation
import Logging
import SQLiteKit
import StratusKit
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The open account and container databases of a server: at most `capacity` database files
/// have a slot (and at most one SQLite connection each), least recently used first out; an evicted
/// connection is closed. A hot container keeps its connection between requests instead of
/// opening its file on every one.
///
/// Everything done with one database runs under that database's lock (`withDatabase`), one
/// request after another: the connection is never shared by two transactions, and writes to a
/// database are serialized. Different databases proceed in parallel.
///
/// Databases in use are never evicted; when more than `capacity` are in use at once the cache
/// holds more slots until they are released.
///
/// An open database holds three file descriptors (the database, its write-ahead log and the
/// log's shared-memory index), so the default capacity of 128 keeps 384 descriptors per server.
public final class BrokerConnectionCache: Sendable {
    public let capacity: Int
    let logger: Logger
    private let state: Mutex<State>

    /// One database file: its lock and, while open, its connection.
    final class Slot: Sendable {
        let path: String
        let lock = AsyncSerialLock()
        let connection = Mutex<SQLiteConnection?>(nil)
        /// The file (device, inode) the open connection is to.
        let file = Mutex<FileIdentity?>(nil)

        init(path: String) { self.path = path }
    }

    struct Entry {
        var slot: Slot
        var users: Int
        var lastUse: UInt64
    }

    struct State {
        var entries: [String: Entry] = [:]
        var tick: UInt64 = 0
        var opened = 0
        var closed = 0
    }

    /// What the cache holds now.
    public struct Statistics: Sendable, Equatable {
        /// Database files with a slot (open or not).
        public var slots: Int
        /// Connections open now.
        public var openConnections: Int
        /// Connections opened and closed since the cache was made.
        public var opened: Int
        public var closed: Int
    }

    public init(capacity: Int = 128, logger: Logger = Logger(label: "stratus.object-storage.broker")) {
        self.capacity = max(1, capacity)
        self.logger = logger
        state = Mutex(State())
    }

    public var statistics: Statistics {
        state.withLock { Statistics(slots: $0.entries.count, openConnections: $0.opened - $0.closed, opened: $0.opened, closed: $0.closed) }
    }

    /// Runs `body` with the database at `path` to itself (no other `withDatabase` on the same
    /// path runs meanwhile). The file need not exist: `body` may create it.
    public func withDatabase<T: Sendable>(
        at path: String, _ body: @escaping @Sendable (BrokerDatabase) async throws -> T
    ) async throws -> T {
        let (slot, victims) = checkout(path)
        await close(victims)
        let result: Result<T, any Error>
        do {
            result = .success(try await slot.lock.withLock { try await body(BrokerDatabase(slot: slot, cache: self)) })
        } catch {
            result = .failure(error)
        }
        await close(checkin(slot))
        return try result.get()
    }

    /// Closes every connection not in use (at shutdown).
    public func closeAll() async {
        let idle = state.withLock { state -> [Slot] in
            let slots = state.entries.values.filter { $0.users == 0 }.map(\.slot)
            for slot in slots { state.entries[slot.path] = nil }
            return slots
        }
        await close(idle)
    }

    private func checkout(_ path: String) -> (Slot, [Slot]) {
        state.withLock { state in
            state.tick += 1
            if var entry = state.entries[path] {
                entry.users += 1
                entry.lastUse = state.tick
                state.entries[path] = entry
                return (entry.slot, [])
            }
            let slot = Slot(path: path)
            state.entries[path] = Entry(slot: slot, users: 1, lastUse: state.tick)
            return (slot, Self.evict(&state, capacity: capacity))
        }
    }

    private func checkin(_ slot: Slot) -> [Slot] {
        state.withLock { state in
            if var entry = state.entries[slot.path], entry.slot === slot {
                entry.users -= 1
                state.entries[slot.path] = entry
            }
            return Self.evict(&state, capacity: capacity)
        }
    }

    /// Takes the least recently used idle slots out until the cache is within its capacity.
    private static func evict(_ state: inout State, capacity: Int) -> [Slot] {
        let excess = state.entries.count - capacity
        guard excess > 0 else { return [] }
        var victims: [Entry]
        if excess == 1 {
            var oldest: Entry? = nil
            for entry in state.entries.values where entry.users == 0 {
                if oldest == nil || entry.lastUse < oldest!.lastUse { oldest = entry }
            }
            victims = oldest.map { [$0] } ?? []
        } else {
            victims = Array(
                state.entries.values.filter { $0.users == 0 }.sorted { $0.lastUse < $1.lastUse }.prefix(excess))
        }
        for victim in victims { state.entries[victim.slot.path] = nil }
        return victims.map(\.slot)
    }

    private func close(_ slots: [Slot]) async {
        for slot in slots {
            if let connection = slot.connection.withLock({ value -> SQLiteConnection? in
                defer { value = nil }
                return value
            }) {
                await closeConnection(connection)
            }
        }
    }

    func closeConnection(_ connection: SQLiteConnection) async {
        do {
            try await connection.close()
        } catch {
            logger.warning("closing a database failed", metadata: ["error": "\(error)"])
        }
        state.withLock { $0.closed += 1 }
    }

    /// Opens an existing database file for use by the servers: write-ahead log (readers do not
    /// block the writer, a commit appends to the log instead of rewriting pages), `synchronous =
    /// NORMAL` (a commit survives a crash of the process; a power loss may lose the last commits
    /// but never corrupts the file), a 5 s busy timeout, and `chexor` for the triggers.
    func open(_ path: String) async throws -> SQLiteConnection {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        state.withLock { $0.opened += 1 }
        do {
            // busy_timeout: another process (a `stratus object … --once` pass beside a running
            // cloud) may hold the write lock for a moment; wait for it instead of failing.
            for pragma in ["PRAGMA busy_timeout = 5000", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL"] {
                _ = try await connection.query(pragma)
            }
            try await connection.install(customFunction: Chexor.sqlFunction())
        } catch {
            await closeConnection(connection)
            throw error
        }
        return connection
    }

    /// A new database file built at a temporary path beside `path` by `build`, flushed, then
    /// renamed into place, so that a database either does not exist or is complete (Swift builds
    /// its databases the same way). Throws `BrokerError.alreadyExists` if `path` exists.
    func create(_ path: String, build: @Sendable (SQLiteConnection) async throws -> Void) async throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard !FileManager.default.fileExists(atPath: path) else { throw BrokerError.alreadyExists(path) }
        let temporary = directory + "/." + (path as NSString).lastPathComponent + "." + IDGenerator.hex().prefix(12) + ".tmp"
        do {
            let connection = try await SQLiteConnection.open(storage: .file(path: temporary), logger: logger)
            do {
                for pragma in ["PRAGMA synchronous = OFF", "PRAGMA journal_mode = MEMORY"] {
                    _ = try await connection.query(pragma)
                }
                try await connection.install(customFunction: Chexor.sqlFunction())
                _ = try await connection.query("BEGIN")
                try await build(connection)
                _ = try await connection.query("COMMIT")
            } catch {
                try? await connection.close()
                throw error
            }
            try await connection.close()
            flushToDisk(temporary)
            guard !FileManager.default.fileExists(atPath: path) else { throw BrokerError.alreadyExists(path) }
            guard rename(temporary, path) == 0 else {
                throw BrokerError.io("cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(temporary)
            throw error
        }
    }
}

/// fsync(2) of a file by path (best effort).
private func flushToDisk(_ path: String) {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return }
    _ = fsync(fd)
    _ = close(fd)
}

/// One database while its caller has it to itself (inside `BrokerConnectionCache.withDatabase`).
public struct BrokerDatabase: Sendable {
    let slot: BrokerConnectionCache.Slot
    let cache: BrokerConnectionCache

    public var path: String { slot.path }

    /// Whether the database file exists.
    public var exists: Bool { FileManager.default.fileExists(atPath: slot.path) }

    /// The open connection, opening the file if needed; nil when the file does not exist. A
    /// connection left over from a file that was removed, or replaced by another file (a device
    /// wiped and refilled by replication while the server ran), is closed: it would read and
    /// write the old file.
    public func connection() async throws -> SQLiteConnection? {
        let cached = slot.connection.withLock { $0 }
        let current = FileIdentity(path: slot.path)
        if let cached, current == nil || current != slot.file.withLock({ $0 }) {
            slot.connection.withLock { $0 = nil }
            slot.file.withLock { $0 = nil }
            await cache.closeConnection(cached)
        } else if let cached {
            return cached
        }
        guard current != nil else { return nil }
        let connection = try await cache.open(slot.path)
        slot.connection.withLock { $0 = connection }
        slot.file.withLock { $0 = current }
        return connection
    }

    /// Builds the database file (see `BrokerConnectionCache.create`) and opens it.
    public func create(_ build: @escaping @Sendable (SQLiteConnection) async throws -> Void) async throws -> SQLiteConnection {
        try await cache.create(slot.path, build: build)
        guard let connection = try await connection() else { throw BrokerError.io("\(slot.path) vanished after creation") }
        return connection
    }
}

extension SQLiteConnection {
    /// Runs `body` in a write transaction (`BEGIN IMMEDIATE` ... `COMMIT`, rolled back if it throws).
    func transaction<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        _ = try await query("BEGIN IMMEDIATE")
        do {
            let result = try await body()
            _ = try await query("COMMIT")
            return result
        } catch {
            _ = try? await query("ROLLBACK")
            throw error
        }
    }
}

extension SQLiteData {
    /// Text read in full: SQLite text comes back cut at the first NUL, so columns that may hold
    /// one (names in Swift's reserved namespace start with NUL) are selected `CAST(... AS BLOB)`
    /// and read here.
    var text: String? {
        switch self {
        case .blob(let buffer): String(buffer: buffer)
        case .null: nil
        default: string
        }
    }
}
