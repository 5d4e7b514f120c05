import StratusKit

/// A backup as stored: the volume's data at `data_timestamp`, kept by the backup store
/// under the backup's id; an incremental one names the backup it builds on.
struct BackupRecord: Sendable {
    var id: String
    var volumeID: String
    var snapshotID: String?
    var projectID: String
    var userID: String
    var name: String?
    var description: String?
    var size: Int64
    /// creating, available, deleting, error, error_deleting, restoring.
    var status: String
    var failReason: String?
    var container: String?
    var availabilityZone: String?
    /// The volume service (`host@backend`) that made the backup and keeps its store.
    var host: String?
    var isIncremental: Bool
    var parentID: String?
    /// Chunks the backup itself stored (an incremental stores only what changed).
    var objectCount: Int64
    var metadata: [String: String]
    var dataTimestamp: Timestamp
    var restoreVolumeID: String?
    var createdAt: Timestamp
    var updatedAt: Timestamp?
}
