import StratusKit

/// Reverting a volume to its latest snapshot (3.40).
extension BlockStorageManager {
    /// Checks Cinder's rules (the latest snapshot only, equal sizes), then moves the volume to
    /// `reverting` and the snapshot to `restoring` together (each a compare-and-set: a wrong
    /// state answers 409) and casts the work to the volume's agent.
    func revertVolume(_ id: String, toSnapshot snapshotID: String, _ auth: AuthContext, requestID: String) async throws {
        let volume = try await visibleVolume(id, auth, rule: "volume:revert_to_snapshot")
        let backends = try requireBackends()
        let snapshots = try await read { try await $0.snapshots(volumeID: volume.id) }
        guard let latest = snapshots.max(by: { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }) else {
            throw BlockStorageErrors.badRequest("Volume \(volume.id) doesn't have any snapshots.")
        }
        guard latest.id == snapshotID else {
            throw BlockStorageErrors.badRequest(
                "Specified snapshot \(snapshotID) is None or not the latest one of volume \(volume.id).")
        }
        let cannot = "Can't revert volume \(volume.id) to its latest snapshot \(snapshotID)."
        guard latest.size == volume.size else {
            throw BlockStorageErrors.badRequest("\(cannot) The volume size must be equal to the snapshot size.")
        }
        try await write { queries in
            guard try await queries.transitionVolume(volume.id, from: [VolumeStatus.available], to: VolumeStatus.reverting)
            else {
                throw BlockStorageErrors.conflict("Invalid volume: \(cannot) Volume's status must be 'available'.")
            }
            guard try await queries.transitionSnapshot(latest.id, from: [SnapshotStatus.available], to: SnapshotStatus.restoring)
            else {
                throw BlockStorageErrors.conflict("Invalid snapshot: \(cannot) Snapshot's status must be 'available'.")
            }
        }
        guard let serviceHost = volume.serviceHost else { return }
        try await backends.bus.cast(
            VolumeRPC.volume(serviceHost: serviceHost), method: VolumeRPC.Method.revertToSnapshot,
            args: ["volume_id": .string(volume.id), "snapshot_id": .string(latest.id)],
            context: MessagingContext(auth: auth, requestID: requestID))
    }
}
