import Foundation
import StratusKit

/// Replication of account and container databases between servers (Stratus's own protocol,
/// after Swift's db replicator): the JSON messages, and what each side does with a database.
///
/// Requests go to the server holding the other replica:
///
/// ```
/// POST /<device>/<partition>/<hash>          (the database's hash, as in its path)
/// X-Backend-Replicate: REPLICATE
/// Content-Type: application/json
///
/// {"op": "sync", "info": {…}}                    → 200 + the receiver's info with "point"; 404: no such database
/// {"op": "merge_items", "source": "<id>", "objects" | "containers": [rows]}   → 202; 404
/// {"op": "create", "info": {…}}                  → 201 created, 202 it existed; + the receiver's info
/// ```
///
/// `info` is `{"account", "container" (containers only), "created_at", "put_timestamp",
/// "delete_timestamp", "status", "id", "hash", "max_row", "metadata" (the metadata JSON text)}`;
/// a `sync` answer adds `"point"`: the highest row id of the sender's database it has merged
/// (its incoming sync point for the sender's `id`; -1 for none). A `sync` first merges the
/// sender's timestamps, status and metadata into the receiver's database (newest wins, as the
/// servers merge them), so a database whose rows agree is brought in step by that alone.
/// `create` makes a missing database from the sender's info (with a new id) before its rows
/// follow by `merge_items` (Swift copies the whole file with rsync instead). Rows are the
/// database's rows with their row ids (`row_id`); merging them keeps the newest per name and
/// raises the receiver's incoming sync point for `source`.
struct DatabaseReplicationMessage: Codable, Sendable {
    var op: String
    var info: DatabaseReplicationInfo?
    var source: String?
    var objects: [ObjectRow]?
    var containers: [ContainerRow]?

    static let sync = "sync"
    static let mergeItems = "merge_items"
    static let create = "create"
}

/// A database's description in replication messages.
struct DatabaseReplicationInfo: Codable, Sendable, Equatable {
    var account: String
    var container: String?
    var createdAt: String
    var putTimestamp: String
    var deleteTimestamp: String
    var status: String
    var id: String
    var hash: String
    var maxRow: Int64
    var metadata: String
    var point: Int64?

    enum CodingKeys: String, CodingKey {
        case account, container, status, id, hash, metadata, point
        case createdAt = "created_at"
        case putTimestamp = "put_timestamp"
        case deleteTimestamp = "delete_timestamp"
        case maxRow = "max_row"
    }
}

/// A container database's object row on the wire.
struct ObjectRow: Codable, Sendable {
    var name: String
    var createdAt: String
    var size: Int64
    var contentType: String
    var etag: String
    var deleted: Int
    var rowID: Int64?

    enum CodingKeys: String, CodingKey {
        case name, size, etag, deleted
        case createdAt = "created_at"
        case contentType = "content_type"
        case rowID = "row_id"
    }

    init(_ record: ObjectRecord) {
        (name, createdAt, size, contentType, etag) = (
            record.name, record.createdAt.internal, record.size, record.contentType, record.etag
        )
        deleted = record.deleted ? 1 : 0
        rowID = record.rowID
    }

    var record: ObjectRecord? {
        guard let timestamp = SwiftTimestamp(createdAt) else { return nil }
        return ObjectRecord(
            name: name, createdAt: timestamp, size: size, contentType: contentType, etag: etag, deleted: deleted != 0,
            rowID: rowID)
    }
}

/// An account database's container row on the wire.
struct ContainerRow: Codable, Sendable {
    var name: String
    var putTimestamp: String
    var deleteTimestamp: String
    var objectCount: Int64
    var bytesUsed: Int64
    var deleted: Int
    var storagePolicyIndex: Int
    var rowID: Int64?

    enum CodingKeys: String, CodingKey {
        case name, deleted
        case putTimestamp = "put_timestamp"
        case deleteTimestamp = "delete_timestamp"
        case objectCount = "object_count"
        case bytesUsed = "bytes_used"
        case storagePolicyIndex = "storage_policy_index"
        case rowID = "row_id"
    }

    init(_ record: ContainerRecord) {
        (name, putTimestamp, deleteTimestamp) = (record.name, record.putTimestamp.internal, record.deleteTimestamp.internal)
        (objectCount, bytesUsed, deleted) = (record.objectCount, record.bytesUsed, record.deleted ? 1 : 0)
        (storagePolicyIndex, rowID) = (record.storagePolicyIndex, record.rowID)
    }

    var record: ContainerRecord? {
        guard let put = SwiftTimestamp(putTimestamp), let delete = SwiftTimestamp(deleteTimestamp) else { return nil }
        return ContainerRecord(
            name: name, putTimestamp: put, deleteTimestamp: delete, objectCount: objectCount, bytesUsed: bytesUsed,
            deleted: deleted != 0, storagePolicyIndex: storagePolicyIndex, rowID: rowID)
    }
}

/// An account or container database as replication sees it (inside
/// `BrokerConnectionCache.withDatabase`): its info, its rows since a point, and the merges.
struct ReplicaDatabase: Sendable {
    let kind: BrokerLocation.Kind
    let database: BrokerDatabase

    private var container: ContainerDatabase { ContainerDatabase(database: database, account: "", container: "") }
    private var account: AccountDatabase { AccountDatabase(database: database, account: "") }

    var exists: Bool { database.exists }

    /// Swift's `is_reclaimable` (with the container replicator's `report_up_to_date`): no
    /// live rows, deleted (its DELETE newer than its PUT) more than `reclaimAge` seconds before
    /// `now`, and for a container its account told of its last state. Such a database may go.
    func isReclaimable(now: Double, reclaimAge: Double) async throws -> Bool {
        func expired(put: SwiftTimestamp, delete: SwiftTimestamp) -> Bool {
            delete > put && delete.seconds < now - reclaimAge
        }
        switch kind {
        case .container:
            guard let info = try await container.info() else { return false }
            return info.objectCount <= 0 && expired(put: info.putTimestamp, delete: info.deleteTimestamp) && !info.needsAccountUpdate
        case .account:
            guard let info = try await account.info() else { return false }
            return info.containerCount <= 0 && expired(put: info.putTimestamp, delete: info.deleteTimestamp)
        }
    }

    /// The database's description; nil when it does not exist.
    func info() async throws -> DatabaseReplicationInfo? {
        switch kind {
        case .container:
            guard let info = try await container.info() else { return nil }
            return DatabaseReplicationInfo(
                account: info.account, container: info.container, createdAt: info.createdAt.internal,
                putTimestamp: info.putTimestamp.internal, deleteTimestamp: info.deleteTimestamp.internal, status: info.status,
                id: info.id, hash: info.hash, maxRow: try await container.maxRowID(), metadata: info.metadata.jsonText)
        case .account:
            guard let info = try await account.info() else { return nil }
            return DatabaseReplicationInfo(
                account: info.account, container: nil, createdAt: info.createdAt.internal,
                putTimestamp: info.putTimestamp.internal, deleteTimestamp: info.deleteTimestamp.internal, status: info.status,
                id: info.id, hash: info.hash, maxRow: try await account.maxRowID(), metadata: info.metadata.jsonText)
        }
    }

    /// Up to `limit` rows after `rowID` as a `merge_items` message from `source`, and the last
    /// row id in it (nil when there are none).
    func rows(since rowID: Int64, limit: Int, source: String) async throws -> (DatabaseReplicationMessage, Int64)? {
        var message = DatabaseReplicationMessage(op: DatabaseReplicationMessage.mergeItems, source: source)
        let last: Int64?
        switch kind {
        case .container:
            let records = try await container.items(since: rowID, limit: limit)
            message.objects = records.map(ObjectRow.init)
            last = records.last?.rowID
        case .account:
            let records = try await account.items(since: rowID, limit: limit)
            message.containers = records.map(ContainerRow.init)
            last = records.last?.rowID
        }
        return last.map { (message, $0) }
    }

    /// Merges the rows of a `merge_items` message; throws `BrokerError.invalid` on a bad row.
    func merge(_ message: DatabaseReplicationMessage) async throws {
        switch kind {
        case .container:
            let records = (message.objects ?? []).compactMap(\.record)
            guard records.count == message.objects?.count ?? 0 else { throw BrokerError.invalid("bad object row") }
            try await container.mergeItems(records, source: message.source)
        case .account:
            let records = (message.containers ?? []).compactMap(\.record)
            guard records.count == message.containers?.count ?? 0 else { throw BrokerError.invalid("bad container row") }
            try await account.mergeItems(records, source: message.source)
        }
    }

    /// Brings the other replica's deletion, timestamps (earliest creation, newest put and
    /// delete) and metadata (newest per key) into this database.
    func merge(_ info: DatabaseReplicationInfo) async throws {
        guard let created = SwiftTimestamp(info.createdAt), let put = SwiftTimestamp(info.putTimestamp),
            let delete = SwiftTimestamp(info.deleteTimestamp)
        else { throw BrokerError.invalid("bad timestamps in replication info") }
        guard let local = try await self.info() else { throw BrokerError.notFound(database.path) }
        if info.status == "DELETED", local.status != "DELETED", let localDelete = SwiftTimestamp(local.deleteTimestamp),
            delete > localDelete
        {
            switch kind {
            case .container: try await container.markDeleted(at: delete)
            case .account: try await account.markDeleted(at: delete)
            }
        }
        switch kind {
        case .container: try await container.mergeTimestamps(createdAt: created, put: put, delete: delete)
        case .account: try await account.mergeTimestamps(createdAt: created, put: put, delete: delete)
        }
        try await mergeMetadata(info.metadata)
    }

    /// Merges metadata JSON text (newest per key wins; no size check: it was checked where written).
    func mergeMetadata(_ json: String) async throws {
        let items = BrokerMetadata(json: json).items
        guard !items.isEmpty else { return }
        switch kind {
        case .container: try await container.updateMetadata(items, validate: false)
        case .account: try await account.updateMetadata(items, validate: false)
        }
    }

    /// Creates the database from another replica's info (a new id for this copy); false when
    /// it exists already.
    func create(from info: DatabaseReplicationInfo, device: String) async throws -> Bool {
        guard let put = SwiftTimestamp(info.putTimestamp) else { throw BrokerError.invalid("bad put timestamp") }
        let created: Bool
        switch kind {
        case .container:
            guard let name = info.container else { throw BrokerError.invalid("no container name") }
            created = try await ContainerDatabase(database: database, account: info.account, container: name)
                .initialize(putTimestamp: put, device: device)
        case .account:
            created = try await AccountDatabase(database: database, account: info.account)
                .initialize(putTimestamp: put, device: device)
        }
        try await merge(info)
        return created
    }

    func syncPoint(remoteID: String, incoming: Bool) async throws -> Int64 {
        switch kind {
        case .container: try await container.syncPoint(remoteID: remoteID, incoming: incoming)
        case .account: try await account.syncPoint(remoteID: remoteID, incoming: incoming)
        }
    }

    func advanceSyncPoint(remoteID: String, to point: Int64, incoming: Bool) async throws {
        switch kind {
        case .container: try await container.advanceSyncPoint(remoteID: remoteID, to: point, incoming: incoming)
        case .account: try await account.advanceSyncPoint(remoteID: remoteID, to: point, incoming: incoming)
        }
    }
}
