import StratusKit

/// Snapshots as other volume paths need them.
extension BlockStorageManager {
    /// The snapshot when the caller may see it (its project, or an admin), else Cinder's 404.
    func visibleSnapshot(_ id: String, _ auth: AuthContext, rule: String = "volume:get_snapshot") async throws
        -> SnapshotRecord
    {
        guard let snapshot = try await read({ try await $0.snapshot(id: id) }),
            policy.isAdmin(auth) || snapshot.projectID == auth.projectID
        else { throw BlockStorageErrors.snapshotNotFound(id) }
        try policy.enforce(rule, auth, projectID: snapshot.projectID)
        return snapshot
    }
}
