import StratusKit

/// Deferred delete (Nova's `reclaim_instance_interval` and the `os-deferred-delete`
/// actions): with an interval set, `DELETE` of a launched server on a running host only
/// powers it off and leaves it SOFT_DELETED; `restore` brings it back (quota checked again,
/// since soft-deleted servers do not count), `forceDelete` deletes it at once, and its host
/// deletes it for good once the interval has passed.
extension ComputeManager {
    /// Soft-deletes the server when deletes are deferred and it qualifies; false when the
    /// caller should delete it for real (deferral off, never launched, no running host).
    func softDeleteIfDeferred(_ visible: InstanceRecord, _ auth: AuthContext, requestID: String) async throws -> Bool {
        guard settings.reclaimInstanceInterval != nil, visible.launchedAt != nil, let host = visible.host,
            visible.vmState != VMState.softDeleted
        else { return false }
        let downTime = settings.serviceDownTime
        guard try await read({ try await $0.isServiceUp(host: host, downTime: downTime) }) else { return false }
        _ = try await startServerAction(visible.uuid, "soft_delete", auth, requestID: requestID) { instance in
            instance.deletedAt = .now()
        }
        return true
    }

    /// The `restore` action: SOFT_DELETED → ACTIVE, if the project's quota has room again.
    func restoreServer(_ uuid: String, _ auth: AuthContext, requestID: String) async throws {
        let quotaCheck = self.quotaCheck
        _ = try await startServerAction(
            uuid, "restore", auth, requestID: requestID, update: { $0.deletedAt = nil },
            check: { instance, q in
                try await quotaCheck.checkServers(
                    q, projectID: instance.projectID, userID: instance.userID, instances: 1,
                    cores: Int64(instance.flavor.vcpus), ram: Int64(instance.flavor.memoryMB), metadataItems: 0)
            })
    }
}
