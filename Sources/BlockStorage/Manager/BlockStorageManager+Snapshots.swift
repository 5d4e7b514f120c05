import Foundation
import StratusKit

/// A snapshot create request as the API read it.
struct SnapshotCreateRequest: Sendable {
    var volumeID: String
    var name: String?
    var description: String?
    /// The body's `force`, nil when absent.
    var force: Bool?
    var metadata: [String: String] = [:]
}

/// Cinder's snapshot statuses.
enum SnapshotStatus {
    static let creating = "creating"
    static let available = "available"
    static let deleting = "deleting"
    static let error = "error"
    static let errorDeleting = "error_deleting"
    static let restoring = "restoring"
    static let backingUp = "backing-up"

    /// Every status an admin may reset a snapshot to (Cinder's `SnapshotStatus`).
    static let all = [
        "error", "available", "creating", "deleting", "deleted", "updating", "error_deleting", "unmanaging",
        "backing-up", "restoring",
    ]
}

/// Snapshots: create (cast to the volume's agent), show, list, update, delete, metadata,
/// and the admin and service actions on their status.
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

    /// Records a `creating` snapshot of the volume (its size, counted against the `snapshots`
    /// and `gigabytes` quotas in the same transaction) and casts the work to the volume's agent.
    /// An in-use volume may be snapshotted with `force`, from 3.66 without it, and when the
    /// body names no `force` at all (what the CLI sends at 3.65).
    func createSnapshot(
        _ request: SnapshotCreateRequest, version: Microversion, _ auth: AuthContext, requestID: String
    ) async throws -> SnapshotRecord {
        let volume = try await visibleVolume(request.volumeID, auth)
        try policy.enforce("volume:create_snapshot", auth, projectID: volume.projectID)
        let backends = try requireBackends()
        let allowInUse = version.isAtLeast(3, 66) || request.force != false
        let allowed: [String] = allowInUse ? [VolumeStatus.available, VolumeStatus.inUse] : [VolumeStatus.available]
        let snapshot = SnapshotRecord(
            id: UUID().uuidString.lowercased(), volumeID: volume.id, projectID: volume.projectID, userID: auth.userID,
            name: request.name, description: request.description, size: volume.size, status: SnapshotStatus.creating,
            progress: "0%", volumeTypeID: volume.volumeTypeID, consumesQuota: true, createdAt: .now(), updatedAt: nil,
            metadata: request.metadata)
        let serviceHost: String = try await write { queries in
            guard let current = try await queries.volume(id: volume.id, forUpdate: true, kind: self.database.kind) else {
                throw BlockStorageErrors.volumeNotFound(volume.id)
            }
            guard allowed.contains(current.status), let serviceHost = current.serviceHost else {
                throw BlockStorageErrors.invalidVolume(
                    "Volume \(current.id) status must be \(allowed.joined(separator: ", ")), but current status is: \(current.status).")
            }
            if let migration = current.migrationStatus, !["success", "error"].contains(migration) {
                throw BlockStorageErrors.invalidVolume("Volume \(current.id) is migrating, it cannot be snapshotted.")
            }
            let typeName = try await queries.volumeType(idOrName: current.volumeTypeID)?.name
            try await self.quotas.check(
                queries.sql, projectID: current.projectID, typeName: typeName,
                deltas: ["snapshots": 1, "gigabytes": current.size])
            try await queries.insert(snapshot)
            return serviceHost
        }
        try await backends.bus.cast(
            VolumeRPC.volume(serviceHost: serviceHost), method: VolumeRPC.Method.createSnapshot,
            args: ["snapshot_id": .string(snapshot.id)], context: MessagingContext(auth: auth, requestID: requestID))
        return snapshot
    }

    func listSnapshots(_ query: SnapshotListQuery, _ auth: AuthContext) async throws -> [SnapshotRecord] {
        try policy.enforce("volume:get_all_snapshots", auth)
        if query.projectID == nil { try policy.enforce("volume:get_all_tenants", auth) }
        return try await read { try await query.run($0) }
    }

    func updateSnapshot(_ id: String, name: String??, description: String??, _ auth: AuthContext) async throws
        -> SnapshotRecord
    {
        let snapshot = try await visibleSnapshot(id, auth, rule: "volume:update_snapshot")
        return try await write { queries in
            var columns: [String: any Encodable & Sendable] = [:]
            if let name { columns["name"] = name }
            if let description { columns["description"] = description }
            try await queries.updateSnapshot(snapshot.id, columns)
            guard let updated = try await queries.snapshot(id: snapshot.id) else { throw BlockStorageErrors.snapshotNotFound(id) }
            return updated
        }
    }

    /// Starts a delete: `available` or `error` (any status with `force`) → `deleting`, then the
    /// volume's agent removes the data and the record.
    func deleteSnapshot(_ id: String, force: Bool, _ auth: AuthContext, requestID: String) async throws {
        let snapshot = try await visibleSnapshot(
            id, auth, rule: force ? "volume_extension:snapshot_admin_actions:force_delete" : "volume:delete_snapshot")
        let allowed: Set<String> =
            force ? Set(SnapshotStatus.all).subtracting([SnapshotStatus.deleting]) : [SnapshotStatus.available, SnapshotStatus.error]
        let serviceHost: String? = try await write { queries in
            guard try await queries.transitionSnapshot(snapshot.id, from: allowed, to: SnapshotStatus.deleting) else {
                throw BlockStorageErrors.invalidSnapshot("Snapshot status must be available or error and must not be part of a group.")
            }
            guard let host = try await queries.volume(id: snapshot.volumeID)?.serviceHost else {
                // Never placed on a back end: there is no data to remove.
                try await queries.deleteSnapshotRow(snapshot.id)
                return nil
            }
            return host
        }
        guard let serviceHost else { return }
        try await requireBackends().bus.cast(
            VolumeRPC.volume(serviceHost: serviceHost), method: VolumeRPC.Method.deleteSnapshot,
            args: ["snapshot_id": .string(snapshot.id)], context: MessagingContext(auth: auth, requestID: requestID))
    }

    /// os-reset_status (admin): sets any of Cinder's snapshot statuses.
    func resetSnapshotStatus(_ id: String, status: String, _ auth: AuthContext) async throws {
        let snapshot = try await visibleSnapshot(id, auth, rule: "volume_extension:snapshot_admin_actions:reset_status")
        guard SnapshotStatus.all.contains(status) else {
            throw BlockStorageErrors.badRequest(
                "Snapshot status: \(status) is invalid, valid statuses are: (\(SnapshotStatus.all.joined(separator: ", "))).")
        }
        try await write { try await $0.updateSnapshot(snapshot.id, ["status": status]) }
    }

    /// os-update_snapshot_status: a back end reporting progress; from `creating` only to
    /// creating, available or error, from `deleting` only to deleting or error_deleting.
    func updateSnapshotStatus(_ id: String, status: String, progress: String?, _ auth: AuthContext) async throws {
        let snapshot = try await visibleSnapshot(id, auth, rule: "snapshot_extension:snapshot_actions:update_snapshot_status")
        let transitions: [String: Set<String>] = [
            SnapshotStatus.creating: [SnapshotStatus.creating, SnapshotStatus.available, SnapshotStatus.error],
            SnapshotStatus.deleting: [SnapshotStatus.deleting, SnapshotStatus.errorDeleting],
        ]
        guard let targets = transitions[snapshot.status] else {
            throw BlockStorageErrors.badRequest("Snapshot status \(snapshot.status) not allowed for update_snapshot_status")
        }
        guard targets.contains(status) else {
            throw BlockStorageErrors.badRequest(
                "Provided snapshot status \(status) not allowed for snapshot with status \(snapshot.status).")
        }
        let columns: [String: any Encodable & Sendable] = progress.map { ["progress": $0] } ?? [:]
        let moved = try await write {
            try await $0.transitionSnapshot(snapshot.id, from: [snapshot.status], to: status, also: columns)
        }
        guard moved else {
            throw BlockStorageErrors.badRequest("Snapshot status \(snapshot.status) not allowed for update_snapshot_status")
        }
    }
}
