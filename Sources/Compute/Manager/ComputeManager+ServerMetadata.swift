import StratusKit

/// Server metadata and tags (`/servers/{id}/metadata`, `/servers/{id}/tags`).
extension ComputeManager {
    func serverMetadata(_ uuid: String, _ auth: AuthContext) async throws -> [String: String] {
        try await visibleServer(uuid, auth, rule: "os_compute_api:server-metadata:index").metadata
    }

    /// Sets keys (`replacing` drops the others); refused while locked, deleting or over quota.
    func setServerMetadata(
        _ uuid: String, _ metadata: [String: String], replacing: Bool, _ auth: AuthContext
    ) async throws -> [String: String] {
        let rule = replacing ? "os_compute_api:server-metadata:update_all" : "os_compute_api:server-metadata:create"
        let instance = try await visibleServer(uuid, auth, rule: rule)
        try Self.checkNotLocked(instance, isAdmin: policy.isAdmin(auth))
        try Self.checkMetadataAllowed(instance, method: "update_metadata")
        let total = replacing ? metadata.count : instance.metadata.merging(metadata) { _, new in new }.count
        return try await write { q in
            let limit = try await self.quotaCheck.limits(q, projectID: instance.projectID)["metadata_items"] ?? -1
            if limit >= 0, total > limit {
                throw APIError(.forbidden, "Quota exceeded for metadata_items: Maximum number of metadata items exceeds \(limit)")
            }
            try await q.setMetadata(metadata, of: instance.uuid, replacing: replacing)
            return try await q.metadata(of: [instance.uuid])[instance.uuid] ?? [:]
        }
    }

    func deleteServerMetadata(_ uuid: String, key: String, _ auth: AuthContext) async throws {
        let instance = try await visibleServer(uuid, auth, rule: "os_compute_api:server-metadata:delete")
        try Self.checkNotLocked(instance, isAdmin: policy.isAdmin(auth))
        try Self.checkMetadataAllowed(instance, method: "delete_instance_metadata")
        guard instance.metadata[key] != nil else { throw ComputeErrors.notFound("Metadata item was not found") }
        try await write { try await $0.deleteMetadataKey(key, of: instance.uuid) }
    }

    /// Nova refuses metadata changes while a server builds or is being deleted.
    private static func checkMetadataAllowed(_ instance: InstanceRecord, method: String) throws {
        let allowed: Set<String> = [
            VMState.active, VMState.paused, VMState.suspended, VMState.stopped, VMState.shelved,
            VMState.shelvedOffloaded, VMState.resized, VMState.rescued, VMState.building,
        ]
        guard allowed.contains(instance.vmState), instance.taskState != TaskState.deleting else {
            throw ComputeErrors.conflict(
                "Cannot '\(method)' instance \(instance.uuid) while it is in vm_state \(instance.vmState)")
        }
    }

    func serverTags(_ uuid: String, _ auth: AuthContext) async throws -> [String] {
        try await visibleServer(uuid, auth, rule: "os_compute_api:os-server-tags:index").tags.sorted()
    }

    /// Changes a server's tags: `transform` gets the current set and returns the new one.
    func changeServerTags(
        _ uuid: String, rule: String, _ auth: AuthContext, _ transform: @Sendable (Set<String>) throws -> Set<String>
    ) async throws -> [String] {
        let instance = try await visibleServer(uuid, auth, rule: rule)
        guard instance.vmState == VMState.active || instance.vmState == VMState.paused
            || instance.vmState == VMState.suspended || instance.vmState == VMState.stopped
            || instance.vmState == VMState.shelved || instance.vmState == VMState.shelvedOffloaded
            || instance.vmState == VMState.building || instance.vmState == VMState.error
        else {
            throw ComputeErrors.conflict("Cannot 'update' instance \(instance.uuid) while it is in vm_state \(instance.vmState)")
        }
        let tags = try transform(Set(instance.tags))
        if tags.count > 50 { throw ComputeErrors.badRequest("The number of tags exceeded the per-server limit 50") }
        try await write { try await $0.setTags(Array(tags), of: instance.uuid) }
        return tags.sorted()
    }

    /// `os-resetState` (admin): the vm_state forced to active or error, the task cleared.
    func resetState(_ uuid: String, to state: String, _ auth: AuthContext, requestID: String) async throws {
        let instance = try await visibleServer(uuid, auth, rule: "os_compute_api:os-admin-actions:reset_state")
        try await write { q in
            guard var current = try await q.instance(uuid: instance.uuid) else { return }
            current.vmState = state == "error" ? VMState.error : VMState.active
            current.taskState = nil
            try await q.save(current)
            try await q.startAction(
                "resetState", instanceUUID: current.uuid, requestID: requestID, projectID: current.projectID,
                userID: auth.userID)
        }
    }
}
