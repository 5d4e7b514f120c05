import StratusKit

/// A volume's user metadata (`/volumes/{id}/metadata`): read, merge, replace, and one key at a
/// time. Changes are refused while the volume is in `maintenance` or `uploading`, as Cinder does.
extension BlockStorageManager {
    func volumeMetadata(_ id: String, _ auth: AuthContext) async throws -> [String: String] {
        try await visibleVolume(id, auth, rule: "volume:get_volume_metadata").metadata
    }

    /// Merges `metadata` into the volume's (POST, and PUT of one key); answers all of it.
    func mergeVolumeMetadata(_ id: String, _ metadata: [String: String], rule: String, _ auth: AuthContext) async throws
        -> [String: String]
    {
        _ = try await visibleVolume(id, auth, rule: rule)
        return try await write { queries in
            let current = try await Self.lockedForMetadata(id, queries, self.database.kind, verb: "Updating")
            let merged = current.metadata.merging(metadata) { _, new in new }
            try await queries.replaceKeyValues("volume_metadata", owner: "volume_id", id: id, merged)
            return merged
        }
    }

    /// Replaces all of the volume's metadata (PUT).
    func replaceVolumeMetadata(_ id: String, _ metadata: [String: String], _ auth: AuthContext) async throws
        -> [String: String]
    {
        _ = try await visibleVolume(id, auth, rule: "volume:update_volume_metadata")
        return try await write { queries in
            _ = try await Self.lockedForMetadata(id, queries, self.database.kind, verb: "Updating")
            try await queries.replaceKeyValues("volume_metadata", owner: "volume_id", id: id, metadata)
            return metadata
        }
    }

    /// Removes one key; 404 when the volume has no such key.
    func deleteVolumeMetadataKey(_ id: String, key: String, _ auth: AuthContext) async throws {
        _ = try await visibleVolume(id, auth, rule: "volume:delete_volume_metadata")
        try await write { queries in
            let current = try await Self.lockedForMetadata(id, queries, self.database.kind, verb: "Deleting", checkStatus: false)
            guard current.metadata[key] != nil else { throw Self.metadataKeyNotFound(id, key) }
            try await Self.refuseMetadataChange(current, verb: "Deleting")
            var remaining = current.metadata
            remaining.removeValue(forKey: key)
            try await queries.replaceKeyValues("volume_metadata", owner: "volume_id", id: id, remaining)
        }
    }

    static func metadataKeyNotFound(_ id: String, _ key: String) -> APIError {
        BlockStorageErrors.notFound("Volume \(id) has no metadata with key \(key).")
    }
}
