import Foundation
import StratusKit

extension VolumeAgent {
    /// The agent's handlers for backup create, restore and delete.
    func addBackupHandlers(to endpoint: inout RPCEndpoint) {
        endpoint.on(VolumeRPC.Method.createBackup) { [self] request in
            try await createBackup(request.args["backup_id"]?.stringValue ?? "", context: request.context)
            return .null
        }
        endpoint.on(VolumeRPC.Method.restoreBackup) { [self] request in
            try await restoreBackup(
                request.args["backup_id"]?.stringValue ?? "", into: request.args["volume_id"]?.stringValue ?? "",
                context: request.context)
            return .null
        }
        endpoint.on(VolumeRPC.Method.deleteBackup) { [self] request in
            try await deleteBackup(request.args["backup_id"]?.stringValue ?? "", context: request.context)
            return .null
        }
    }

    /// The host of the cinder-backup service this agent stands for (`host` of `host@backend`).
    var backupServiceHost: String { String(serviceHost.split(separator: "@", maxSplits: 1)[0]) }

    func backup(_ id: String) async throws -> BackupRecord? {
        try await database.read { try await BlockStorageQueries(sql: $0).backup(id: id) }
    }

    /// Exports the volume (or the snapshot, through a temporary volume made from it) as a raw
    /// image and writes it to the backup store; the backup becomes `available` and the source
    /// returns to its previous status. A failure leaves the backup `error` with its reason,
    /// nothing in the store, and a user message.
    func createBackup(_ id: String, context: MessagingContext) async throws {
        guard let backup = try await backup(id), backup.status == BackupStatus.creating,
            let volume = try await volume(backup.volumeID), let location = volume.location
        else { return }
        let staged = scratchDirectory + "/backup-\(backup.id).raw"
        let outcome: Result<BackupWriteResult, VolumeDriverError>
        do {
            try FileManager.default.createDirectory(atPath: scratchDirectory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: staged) }
            if let snapshotID = backup.snapshotID {
                try await exportSnapshot(snapshotID, of: location, sizeGB: Int(volume.size), to: staged)
            } else {
                try await driver.exportVolume(location, to: staged, format: "raw")
            }
            outcome = .success(
                try await backupStore.write(backupID: backup.id, rawImagePath: staged, parentID: backup.parentID))
        } catch {
            outcome = .failure(VolumeDriverError(Self.describe(error)))
            try? await backupStore.delete(backupID: backup.id)
        }
        let finished = try await database.write { sql in
            let queries = BlockStorageQueries(sql: sql)
            if let snapshotID = backup.snapshotID {
                _ = try await queries.transitionSnapshot(snapshotID, from: [SnapshotStatus.backingUp], to: SnapshotStatus.available)
            } else if let current = try await queries.volume(id: volume.id) {
                _ = try await queries.transitionVolume(
                    volume.id, from: [VolumeStatus.backingUp], to: current.previousStatus ?? VolumeStatus.available)
            }
            switch outcome {
            case .failure(let failure):
                let moved = try await queries.transitionBackup(
                    backup.id, from: [BackupStatus.creating], to: BackupStatus.error, also: ["fail_reason": failure.message])
                try await self.backupMessage(queries, backup, event: .backupCreate, detail: failure.message, context: context)
                return moved
            case .success(let result):
                return try await queries.transitionBackup(
                    backup.id, from: [BackupStatus.creating], to: BackupStatus.available,
                    also: ["object_count": Int64(result.storedChunkCount)])
            }
        }
        // Force-deleted meanwhile: the record is gone, so is the data.
        if !finished, try await self.backup(id) == nil { try? await backupStore.delete(backupID: backup.id) }
    }

    /// A snapshot's data as a raw file: a temporary volume is made from it, exported, removed.
    private func exportSnapshot(_ snapshotID: String, of location: VolumeLocation, sizeGB: Int, to path: String) async throws {
        let temporary = VolumeLocation(volumeID: UUID().uuidString.lowercased(), pool: location.pool)
        do {
            try await driver.createVolume(temporary, fromSnapshot: snapshotID, of: location, sizeGB: sizeGB)
            try await driver.exportVolume(temporary, to: path, format: "raw")
        } catch {
            try? await driver.deleteVolume(temporary)
            throw error
        }
        try await driver.deleteVolume(temporary)
    }

    /// Writes the backup's data into the volume (`restoring-backup`); both return to
    /// `available`. On failure the volume goes to `error_restoring` with a user message.
    func restoreBackup(_ id: String, into volumeID: String, context: MessagingContext) async throws {
        guard let backup = try await backup(id), backup.status == BackupStatus.restoring,
            let volume = try await volume(volumeID), volume.status == VolumeStatus.restoringBackup,
            let location = volume.location
        else { return }
        let failure: String?
        do {
            try await restoreData(backupID: backup.id, into: location)
            failure = nil
        } catch {
            failure = Self.describe(error)
        }
        try await database.write { sql in
            let queries = BlockStorageQueries(sql: sql)
            _ = try await queries.transitionVolume(
                volume.id, from: [VolumeStatus.restoringBackup],
                to: failure == nil ? VolumeStatus.available : VolumeStatus.errorRestoring)
            _ = try await queries.transitionBackup(
                backup.id, from: [BackupStatus.restoring], to: BackupStatus.available, also: ["restore_volume_id": String?.none])
            if let failure {
                try await self.message(queries, volume, event: .backupRestore, detail: failure, context: context)
            }
        }
    }

    /// A new volume made from a backup (a restore to a new volume, or a create with
    /// `backup_id`): created empty, then `restoring-backup` while the data is written.
    func createFromBackup(_ volume: VolumeRecord, backupID: String, location: VolumeLocation) async throws {
        try await driver.createVolume(location, sizeGB: Int(volume.size))
        try await database.write { sql in
            _ = try await BlockStorageQueries(sql: sql).transitionVolume(
                volume.id, from: [VolumeStatus.creating], to: VolumeStatus.restoringBackup)
        }
        try await restoreData(backupID: backupID, into: location)
    }

    /// Rebuilds the backup's raw image in the scratch directory and has the driver import it.
    private func restoreData(backupID: String, into location: VolumeLocation) async throws {
        try FileManager.default.createDirectory(atPath: scratchDirectory, withIntermediateDirectories: true)
        let staged = scratchDirectory + "/restore-\(backupID)-\(location.volumeID).raw"
        defer { try? FileManager.default.removeItem(atPath: staged) }
        try await backupStore.restore(backupID: backupID, to: staged)
        try await driver.importVolume(location, from: staged, format: "raw")
    }

    /// A backup a new volume was being made from is `available` again.
    func releaseBackup(_ backupID: String) async throws {
        try await database.write { sql in
            _ = try await BlockStorageQueries(sql: sql).transitionBackup(
                backupID, from: [BackupStatus.restoring], to: BackupStatus.available, also: ["restore_volume_id": String?.none])
        }
    }

    /// Removes the backup's data, then its record; `error_deleting` with the reason on failure.
    func deleteBackup(_ id: String, context: MessagingContext) async throws {
        guard let backup = try await backup(id), backup.status == BackupStatus.deleting else { return }
        do {
            try await backupStore.delete(backupID: backup.id)
        } catch {
            let reason = Self.describe(error)
            try await database.write { sql in
                let queries = BlockStorageQueries(sql: sql)
                try await queries.updateBackup(backup.id, ["status": BackupStatus.errorDeleting, "fail_reason": reason])
                try await self.backupMessage(queries, backup, event: .backupDelete, detail: reason, context: context)
            }
            return
        }
        try await database.write { try await BlockStorageQueries(sql: $0).deleteBackupRow(backup.id) }
    }

    func backupMessage(
        _ queries: BlockStorageQueries, _ backup: BackupRecord, event: UserMessageEvent, detail: String,
        context: MessagingContext
    ) async throws {
        try await queries.recordError(
            event, detail: detail, resourceType: "VOLUME_BACKUP", resourceID: backup.id, projectID: backup.projectID,
            requestID: context.requestID, ttlSeconds: settings.messageTTLSeconds)
    }

    /// Settles backups a previous run left half done: `creating` ones failed (their source
    /// back to its status), `deleting` ones deleted, a restore in flight failed.
    func settleBackupLeftovers() async {
        do {
            let stuck = try await database.read {
                try await BlockStorageQueries(sql: $0).backups(
                    host: self.serviceHost, statuses: [BackupStatus.creating, BackupStatus.deleting, BackupStatus.restoring])
            }
            for backup in stuck {
                switch backup.status {
                case BackupStatus.deleting:
                    try await deleteBackup(backup.id, context: MessagingContext())
                case BackupStatus.creating:
                    try await createBackup(backup.id, context: MessagingContext())
                default:
                    try await settleInterruptedRestore(backup)
                }
            }
        } catch {
            logger.warning("settling backups left by a previous run failed", metadata: ["error": "\(error)"])
        }
    }

    private func settleInterruptedRestore(_ backup: BackupRecord) async throws {
        try await database.write { sql in
            let queries = BlockStorageQueries(sql: sql)
            if let volumeID = backup.restoreVolumeID {
                _ = try await queries.transitionVolume(
                    volumeID, from: [VolumeStatus.restoringBackup], to: VolumeStatus.errorRestoring)
            }
            _ = try await queries.transitionBackup(
                backup.id, from: [BackupStatus.restoring], to: BackupStatus.available, also: ["restore_volume_id": String?.none])
        }
    }
}
