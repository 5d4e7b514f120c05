import Foundation
import StratusKit

extension VolumeAgent {
    /// The agent's handlers for snapshot create and delete, and revert.
    func addSnapshotHandlers(to endpoint: inout RPCEndpoint) {
        endpoint.on(VolumeRPC.Method.createSnapshot) { [self] request in
            try await createSnapshot(request.args["snapshot_id"]?.stringValue ?? "", context: request.context)
            return .null
        }
        endpoint.on(VolumeRPC.Method.deleteSnapshot) { [self] request in
            try await deleteSnapshot(request.args["snapshot_id"]?.stringValue ?? "", context: request.context)
            return .null
        }
        endpoint.on(VolumeRPC.Method.revertToSnapshot) { [self] request in
            try await revertVolume(
                request.args["volume_id"]?.stringValue ?? "", toSnapshot: request.args["snapshot_id"]?.stringValue ?? "",
                context: request.context)
            return .null
        }
    }

    func snapshot(_ id: String) async throws -> SnapshotRecord? {
        try await database.read { try await BlockStorageQueries(sql: $0).snapshot(id: id) }
    }

    /// Saves the volume's data as the snapshot; `available` (100%) when done, `error` with a
    /// user message when the driver fails.
    func createSnapshot(_ id: String, context: MessagingContext) async throws {
        guard let snapshot = try await snapshot(id), snapshot.status == SnapshotStatus.creating,
            let volume = try await volume(snapshot.volumeID), let location = volume.location
        else { return }
        do {
            try await driver.createSnapshot(snapshot.id, of: location)
        } catch {
            try? await driver.deleteSnapshot(snapshot.id, of: location)
            try await failSnapshot(snapshot, to: SnapshotStatus.error, event: .createSnapshot, detail: Self.describe(error), context: context)
            return
        }
        let stillCreating = try await database.write { sql in
            try await BlockStorageQueries(sql: sql).transitionSnapshot(
                snapshot.id, from: [SnapshotStatus.creating], to: SnapshotStatus.available, also: ["progress": "100%"])
        }
        // Deleted or reset meanwhile: the data has no record to belong to unless it still exists.
        if !stillCreating, try await self.snapshot(id) == nil { try? await driver.deleteSnapshot(snapshot.id, of: location) }
    }

    /// Removes the snapshot's data, then its record; `error_deleting` with a message on failure.
    func deleteSnapshot(_ id: String, context: MessagingContext) async throws {
        guard let snapshot = try await snapshot(id), snapshot.status == SnapshotStatus.deleting else { return }
        do {
            if let location = try await volume(snapshot.volumeID)?.location {
                try await driver.deleteSnapshot(snapshot.id, of: location)
            }
        } catch {
            try await failSnapshot(
                snapshot, to: SnapshotStatus.errorDeleting, event: .deleteSnapshot, detail: Self.describe(error), context: context)
            return
        }
        try await database.write { try await BlockStorageQueries(sql: $0).deleteSnapshotRow(snapshot.id) }
    }

    /// Puts the snapshot's data back into the volume; both return to `available`. On failure the
    /// volume goes to `error` (its data may be half written) and the snapshot back to `available`.
    func revertVolume(_ volumeID: String, toSnapshot snapshotID: String, context: MessagingContext) async throws {
        guard let volume = try await volume(volumeID), volume.status == VolumeStatus.reverting,
            let location = volume.location, let snapshot = try await snapshot(snapshotID),
            snapshot.status == SnapshotStatus.restoring
        else { return }
        let failure: String?
        do {
            try await driver.revertVolume(location, toSnapshot: snapshot.id)
            failure = nil
        } catch {
            failure = Self.describe(error)
        }
        try await database.write { sql in
            let queries = BlockStorageQueries(sql: sql)
            _ = try await queries.transitionSnapshot(snapshot.id, from: [SnapshotStatus.restoring], to: SnapshotStatus.available)
            _ = try await queries.transitionVolume(
                volume.id, from: [VolumeStatus.reverting], to: failure == nil ? VolumeStatus.available : VolumeStatus.error)
            if let failure {
                try await self.message(queries, volume, event: .revertVolume, detail: failure, context: context)
            }
        }
    }

    /// Marks the snapshot `status` with a user message about it.
    func failSnapshot(
        _ snapshot: SnapshotRecord, to status: String, event: UserMessageEvent, detail: String, context: MessagingContext
    ) async throws {
        logger.notice("snapshot failed", metadata: ["snapshot": "\(snapshot.id)", "why": "\(detail)"])
        try await database.write { sql in
            let queries = BlockStorageQueries(sql: sql)
            try await queries.updateSnapshot(snapshot.id, ["status": status])
            try await queries.recordError(
                event, detail: detail, resourceType: "VOLUME_SNAPSHOT", resourceID: snapshot.id,
                projectID: snapshot.projectID, requestID: context.requestID, ttlSeconds: self.settings.messageTTLSeconds)
        }
    }

    /// Settles snapshots a previous run left half done: `creating` ones failed, `deleting`
    /// ones are deleted, a revert in flight is finished again.
    func settleSnapshotLeftovers() async {
        do {
            let stuck = try await database.read {
                try await BlockStorageQueries(sql: $0).snapshots(
                    serviceHost: self.serviceHost,
                    statuses: [SnapshotStatus.creating, SnapshotStatus.deleting, SnapshotStatus.restoring])
            }
            for snapshot in stuck {
                switch snapshot.status {
                case SnapshotStatus.deleting: try await deleteSnapshot(snapshot.id, context: MessagingContext())
                case SnapshotStatus.restoring:
                    try await revertVolume(snapshot.volumeID, toSnapshot: snapshot.id, context: MessagingContext())
                default:
                    try await failSnapshot(
                        snapshot, to: SnapshotStatus.error, event: .createSnapshot,
                        detail: "The volume service restarted while the snapshot was being created.", context: MessagingContext())
                }
            }
        } catch {
            logger.warning("settling snapshots left by a previous run failed", metadata: ["error": "\(error)"])
        }
    }
}
