import StratusKit

/// `/snapshots/{id}/metadata`: read, merge, replace, and one key at a time.
extension BlockStorageManager {
    func snapshotMetadata(_ id: String, _ auth: AuthContext) async throws -> [String: String] {
        try await visibleSnapshot(id, auth, rule: "volume:get_snapshot_metadata").metadata
    }

    /// Merges `metadata` into the snapshot's (`replace` drops the keys not given); returns all of it.
    func setSnapshotMetadata(_ id: String, _ metadata: [String: String], replace: Bool, _ auth: AuthContext) async throws
        -> [String: String]
    {
        let snapshot = try await visibleSnapshot(id, auth, rule: "volume:update_snapshot_metadata")
        return try await write { queries in
            guard let current = try await queries.snapshot(id: snapshot.id) else { throw BlockStorageErrors.snapshotNotFound(id) }
            let merged = replace ? metadata : current.metadata.merging(metadata) { _, new in new }
            try await queries.replaceKeyValues("snapshot_metadata", owner: "snapshot_id", id: snapshot.id, merged)
            try await queries.updateSnapshot(snapshot.id, [:])
            return merged
        }
    }

    func snapshotMetadataValue(_ id: String, key: String, _ auth: AuthContext) async throws -> String {
        let metadata = try await snapshotMetadata(id, auth)
        guard let value = metadata[key] else { throw Self.noSnapshotMetadata(id, key) }
        return value
    }

    func deleteSnapshotMetadata(_ id: String, key: String, _ auth: AuthContext) async throws {
        let snapshot = try await visibleSnapshot(id, auth, rule: "volume:delete_snapshot_metadata")
        try await write { queries in
            guard var metadata = try await queries.snapshot(id: snapshot.id)?.metadata, metadata[key] != nil else {
                throw Self.noSnapshotMetadata(id, key)
            }
            metadata[key] = nil
            try await queries.replaceKeyValues("snapshot_metadata", owner: "snapshot_id", id: snapshot.id, metadata)
            try await queries.updateSnapshot(snapshot.id, [:])
        }
    }

    private static func noSnapshotMetadata(_ id: String, _ key: String) -> APIError {
        BlockStorageErrors.notFound("Snapshot \(id) has no metadata with key \(key).")
    }
}
