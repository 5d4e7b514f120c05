import Foundation
import StratusKit

/// A backup create request as the API read it.
struct BackupCreateRequest: Sendable {
    var volumeID: String
    var name: String?
    var description: String?
    var container: String?
    var incremental = false
    var force = false
    var snapshotID: String?
    var metadata: [String: String] = [:]
    var availabilityZone: String?
}

/// Cinder's backup statuses.
enum BackupStatus {
    static let creating = "creating"
    static let available = "available"
    static let deleting = "deleting"
    static let error = "error"
    static let errorDeleting = "error_deleting"
    static let restoring = "restoring"
}

/// Backups: create (cast to the volume's agent, which writes the backup store), show, list,
/// update, delete, restore to a new or an existing volume, and the admin actions.
extension BlockStorageManager {
    /// The backup when the caller may see it (its project, or an admin), else Cinder's 404.
    func visibleBackup(_ id: String, _ auth: AuthContext, rule: String = "backup:get") async throws -> BackupRecord {
        guard let backup = try await read({ try await $0.backup(id: id) }),
            policy.isAdmin(auth) || backup.projectID == auth.projectID
        else { throw BlockStorageErrors.backupNotFound(id) }
        try policy.enforce(rule, auth, projectID: backup.projectID)
        return backup
    }

    /// Checks Cinder's rules, then in one transaction counts the `backups` and
    /// `backup_gigabytes` quotas, moves the volume (or the snapshot) to `backing-up` and records
    /// a `creating` backup; the volume's agent does the work. An incremental backup builds on
    /// the volume's latest available backup.
    func createBackup(_ request: BackupCreateRequest, _ auth: AuthContext, requestID: String) async throws -> BackupRecord {
        try policy.enforce("backup:create", auth)
        let volume = try await visibleVolume(request.volumeID, auth)
        try policy.enforce("backup:create", auth, projectID: volume.projectID)
        let backends = try requireBackends()
        let snapshot: SnapshotRecord?
        if let snapshotID = request.snapshotID {
            let found = try await visibleSnapshot(snapshotID, auth)
            guard found.volumeID == volume.id else {
                throw BlockStorageErrors.invalidVolume("Volume \(volume.id) does not match with snapshot.volume_id \(found.volumeID).")
            }
            guard found.status == SnapshotStatus.available else {
                throw BlockStorageErrors.invalidSnapshot(
                    "Snapshot to be backed up must be available, but the current status is \"\(found.status)\".")
            }
            snapshot = found
        } else {
            try Self.checkBackupSource(volume, force: request.force)
            snapshot = nil
        }
        var parentID: String?
        if request.incremental {
            // The latest available backup (of data older than the snapshot, when backing one up).
            let backups = try await read { try await $0.backups(volumeID: volume.id) }
            let takenBefore = snapshot?.createdAt ?? Timestamp(microseconds: Int64.max)
            let candidates = backups.filter { backup in
                backup.status == BackupStatus.available && backup.dataTimestamp < takenBefore
            }
            guard let parent = candidates.max(by: { $0.dataTimestamp < $1.dataTimestamp }) else {
                throw BlockStorageErrors.invalidBackup("No backups available to do an incremental backup.")
            }
            parentID = parent.id
        }
        guard let serviceHost = volume.serviceHost, try await backupServiceIsUp(onHostOf: serviceHost) else {
            throw APIError(.serviceUnavailable, "Service cinder-backup could not be found.")
        }
        let now = Timestamp.now()
        let backup = BackupRecord(
            id: UUID().uuidString.lowercased(), volumeID: volume.id, snapshotID: snapshot?.id, projectID: volume.projectID,
            userID: auth.userID, name: request.name, description: request.description, size: volume.size,
            status: BackupStatus.creating, failReason: nil, container: request.container,
            availabilityZone: request.availabilityZone ?? volume.availabilityZone, host: serviceHost,
            isIncremental: request.incremental, parentID: parentID, objectCount: 0, metadata: request.metadata,
            dataTimestamp: snapshot?.createdAt ?? now, restoreVolumeID: nil, createdAt: now, updatedAt: nil)
        try await write { queries in
            try await self.quotas.check(
                queries.sql, projectID: volume.projectID, typeName: nil,
                deltas: ["backups": 1, "backup_gigabytes": volume.size])
            if let snapshot {
                guard try await queries.transitionSnapshot(snapshot.id, from: [SnapshotStatus.available], to: SnapshotStatus.backingUp)
                else {
                    let status = try await queries.snapshot(id: snapshot.id)?.status ?? SnapshotStatus.deleting
                    throw BlockStorageErrors.invalidSnapshot(
                        "Snapshot to be backed up must be available, but the current status is \"\(status)\".")
                }
            } else {
                let from: Set<String> = request.force ? [VolumeStatus.available, VolumeStatus.inUse] : [VolumeStatus.available]
                guard let current = try await queries.volume(id: volume.id, forUpdate: true, kind: self.database.kind),
                    from.contains(current.status),
                    try await queries.transitionVolume(
                        volume.id, from: [current.status], to: VolumeStatus.backingUp, also: ["previous_status": current.status])
                else {
                    let current = try await queries.volume(id: volume.id) ?? volume
                    try Self.checkBackupSource(current, force: request.force)
                    throw BlockStorageErrors.invalidVolume("Volume \(volume.id) is busy.")
                }
            }
            try await queries.insert(backup)
        }
        try await backends.bus.cast(
            VolumeRPC.volume(serviceHost: serviceHost), method: VolumeRPC.Method.createBackup,
            args: ["backup_id": .string(backup.id)], context: MessagingContext(auth: auth, requestID: requestID))
        return backup
    }

    /// Cinder's rules for the volume a backup is taken of.
    private static func checkBackupSource(_ volume: VolumeRecord, force: Bool) throws {
        guard volume.status == VolumeStatus.available || volume.status == VolumeStatus.inUse else {
            throw BlockStorageErrors.invalidVolume(
                "Volume to be backed up must be available or in-use, but the current status is \"\(volume.status)\".")
        }
        if volume.status == VolumeStatus.inUse, !force {
            throw BlockStorageErrors.invalidVolume("Backing up an in-use volume must use the force flag.")
        }
    }

    /// Whether a live, enabled cinder-backup service runs on the host of `host@backend`
    /// (the volume's agent there does the backup work).
    func backupServiceIsUp(onHostOf serviceHost: String) async throws -> Bool {
        let host = String(serviceHost.split(separator: "@", maxSplits: 1)[0])
        let now = Timestamp.now()
        return try await read { try await $0.services() }.contains { service in
            service.binary == "cinder-backup" && service.host == host && !service.disabled
                && now.microseconds - service.updatedAt.microseconds <= settings.serviceDownTimeSeconds * 1_000_000
        }
    }

    func listBackups(_ query: BackupListQuery, _ auth: AuthContext) async throws -> [BackupRecord] {
        try policy.enforce("backup:get_all", auth)
        if query.projectID == nil { try policy.enforce("volume:get_all_tenants", auth) }
        return try await read { try await query.run($0) }
    }

    /// Which of the backups others build on.
    func backupsWithDependents(_ backups: [BackupRecord]) async throws -> Set<String> {
        try await read { try await $0.backupIDsWithDependents(backups.map(\.id)) }
    }

    func updateBackup(
        _ id: String, name: String??, description: String??, metadata: [String: String]?, _ auth: AuthContext
    ) async throws -> BackupRecord {
        let backup = try await visibleBackup(id, auth, rule: "backup:update")
        return try await write { queries in
            var columns: [String: any Encodable & Sendable] = [:]
            if let name { columns["name"] = name }
            if let description { columns["description"] = description }
            if let metadata { columns["metadata"] = BlockStorageQueries.metadataText(metadata) }
            try await queries.updateBackup(backup.id, columns)
            guard let updated = try await queries.backup(id: backup.id) else { throw BlockStorageErrors.backupNotFound(id) }
            return updated
        }
    }

    /// Starts a delete: `available` or `error` (any status but `deleting` with `force`) →
    /// `deleting`, refused while incremental backups build on it; the agent that made it
    /// removes its data, then the record.
    func deleteBackup(_ id: String, force: Bool, _ auth: AuthContext, requestID: String) async throws {
        let backup = try await visibleBackup(
            id, auth, rule: force ? "volume_extension:backup_admin_actions:force_delete" : "backup:delete")
        let allowed: Set<String> =
            force
            ? [BackupStatus.available, BackupStatus.error, BackupStatus.errorDeleting, BackupStatus.creating, BackupStatus.restoring]
            : [BackupStatus.available, BackupStatus.error]
        let host: String? = try await write { queries in
            guard try await queries.backupIDsWithDependents([backup.id]).isEmpty else {
                throw BlockStorageErrors.invalidBackup("Incremental backups exist for this backup.")
            }
            guard try await queries.transitionBackup(backup.id, from: allowed, to: BackupStatus.deleting) else {
                throw BlockStorageErrors.invalidBackup("Backup status must be available or error")
            }
            guard let host = backup.host else {
                try await queries.deleteBackupRow(backup.id)
                return nil
            }
            return host
        }
        guard let host else { return }
        try await requireBackends().bus.cast(
            VolumeRPC.volume(serviceHost: host), method: VolumeRPC.Method.deleteBackup,
            args: ["backup_id": .string(backup.id)], context: MessagingContext(auth: auth, requestID: requestID))
    }

    /// os-reset_status (admin): `available` or `error`.
    func resetBackupStatus(_ id: String, status: String, _ auth: AuthContext) async throws {
        let backup = try await visibleBackup(id, auth, rule: "volume_extension:backup_admin_actions:reset_status")
        guard [BackupStatus.available, BackupStatus.error].contains(status) else {
            throw BlockStorageErrors.badRequest(
                "Invalid input for field/attribute status. Value: \(status). '\(status)' is not one of ['available', 'error']")
        }
        try await write { try await $0.updateBackup(backup.id, ["status": status]) }
    }

    /// Restores the backup into the named volume (available, at least the backup's size), or
    /// into a new volume of the backup's size created through the normal volume path. Returns
    /// the volume.
    func restoreBackup(_ id: String, volumeID: String?, name: String?, _ auth: AuthContext, requestID: String) async throws
        -> VolumeRecord
    {
        let backup = try await visibleBackup(id, auth, rule: "backup:restore")
        guard backup.status == BackupStatus.available else {
            throw BlockStorageErrors.invalidBackup("Backup status must be available")
        }
        guard let volumeID else {
            var create = VolumeCreateRequest()
            create.size = backup.size
            create.name = name ?? "restore_backup_\(backup.id)"
            create.description = "auto-created_from_restore_from_backup"
            create.backupID = backup.id
            return try await createVolume(create, auth, requestID: requestID)
        }
        let volume = try await visibleVolume(volumeID, auth)
        guard volume.status == VolumeStatus.available else {
            throw BlockStorageErrors.invalidVolume("Volume to be restored to must be available")
        }
        guard backup.size <= volume.size else {
            throw BlockStorageErrors.invalidVolume(
                "volume size \(volume.size) is too small to restore backup of size \(backup.size).")
        }
        let backends = try requireBackends()
        try await write { queries in
            guard try await queries.transitionVolume(volume.id, from: [VolumeStatus.available], to: VolumeStatus.restoringBackup)
            else { throw BlockStorageErrors.invalidVolume("Volume to be restored to must be available") }
            guard try await queries.transitionBackup(
                backup.id, from: [BackupStatus.available], to: BackupStatus.restoring, also: ["restore_volume_id": volume.id])
            else { throw BlockStorageErrors.invalidBackup("Backup status must be available") }
        }
        guard let serviceHost = volume.serviceHost else { return volume }
        try await backends.bus.cast(
            VolumeRPC.volume(serviceHost: serviceHost), method: VolumeRPC.Method.restoreBackup,
            args: ["backup_id": .string(backup.id), "volume_id": .string(volume.id)],
            context: MessagingContext(auth: auth, requestID: requestID))
        return volume
    }
}
