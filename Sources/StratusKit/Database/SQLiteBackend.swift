import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit

/// SQLite in WAL mode: one writer connection whose transactions are serialized
/// in-process, and a few reader connections that never wait for the writer.
final class SQLiteBackend: DatabaseBackend {
    let kind = DatabaseKind.sqlite
    private let writer: SQLiteConnection
    private let readers: [SQLiteConnection]
    private let writeLock = AsyncSerialLock()
    private let nextReader = ManagedCounter()

    private init(writer: SQLiteConnection, readers: [SQLiteConnection]) {
        self.writer = writer
        self.readers = readers
    }

    static func open(path: String, readerCount: Int = 3, logger: Logger) async throws -> SQLiteBackend {
        // The file holds password hashes: owner-only, and SQLite gives its -wal and -shm
        // files the same mode.
        if !FileManager.default.fileExists(atPath: path) {
            FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        func connect() async throws -> SQLiteConnection {
            let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger).get()
            for pragma in ["PRAGMA busy_timeout = 10000", "PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL"] {
                _ = try await connection.query(pragma).get()
            }
            return connection
        }
        let writer = try await connect()
        _ = try await writer.query("PRAGMA journal_mode = WAL").get()
        var readers: [SQLiteConnection] = []
        for _ in 0..<readerCount { readers.append(try await connect()) }
        return SQLiteBackend(writer: writer, readers: readers)
    }

    func read<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let connection = readers[nextReader.next() % readers.count]
        return try await body(connection.sql())
    }

    func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let writer = self.writer
        return try await writeLock.withLock {
            try await self.inTransaction(writer.sql(), begin: "BEGIN IMMEDIATE", body)
        }
    }

    func close() async {
        try? await writer.close().get()
        for reader in readers { try? await reader.close().get() }
    }
}
