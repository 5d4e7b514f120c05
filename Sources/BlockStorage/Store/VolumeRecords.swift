import StratusKit

/// A volume as stored.
struct VolumeRecord: Sendable {
    var id: String
    var projectID: String
    var userID: String
    var name: String?
    var description: String?
    var size: Int64
    var status: String
    var previousStatus: String?
    /// `attached` or `detached`.
    var attachStatus: String
    var migrationStatus: String?
    var availabilityZone: String
    var volumeTypeID: String
    /// `host@backend#pool` once the scheduler chose a pool.
    var host: String?
    var snapshotID: String?
    var sourceVolumeID: String?
    var imageID: String?
    var backupID: String?
    var bootable: Bool
    var multiattach: Bool
    var readonly: Bool
    var consumesQuota: Bool
    var createdAt: Timestamp
    var updatedAt: Timestamp?
    var launchedAt: Timestamp?
    var metadata: [String: String] = [:]
    var imageMetadata: [String: String] = [:]
    var attachments: [AttachmentRecord] = []

    /// The pool part of `host` (`host@backend#pool`).
    var pool: String? { host.flatMap { $0.split(separator: "#", maxSplits: 1).dropFirst().first.map(String.init) } }
    /// `host@backend`, the volume service that owns the volume.
    var serviceHost: String? { host.map { String($0.split(separator: "#", maxSplits: 1)[0]) } }
    var location: VolumeLocation? { pool.map { VolumeLocation(volumeID: id, pool: $0) } }
}

/// One attachment of a volume to a server (Cinder's `volume_attachment`).
struct AttachmentRecord: Sendable {
    var id: String
    var volumeID: String
    var projectID: String
    var instanceUUID: String?
    var attachedHost: String?
    var mountpoint: String?
    /// reserved, attaching, attached, detaching, detached, error_attaching, error_detaching.
    var attachStatus: String
    /// `rw` or `ro`.
    var attachMode: String
    var connector: JSONValue?
    var connectionInfo: JSONValue?
    var attachTime: Timestamp?
    var detachTime: Timestamp?
    var createdAt: Timestamp
    var updatedAt: Timestamp?
}

/// A volume type with its extra specs.
struct VolumeTypeRecord: Sendable {
    var id: String
    var name: String
    var description: String?
    var isPublic: Bool
    var qosSpecsID: String?
    var createdAt: Timestamp
    var updatedAt: Timestamp?
    var extraSpecs: [String: String] = [:]
}

/// A snapshot as stored.
struct SnapshotRecord: Sendable {
    var id: String
    var volumeID: String
    var projectID: String
    var userID: String
    var name: String?
    var description: String?
    var size: Int64
    var status: String
    var progress: String
    var volumeTypeID: String
    var consumesQuota: Bool
    var createdAt: Timestamp
    var updatedAt: Timestamp?
    var metadata: [String: String] = [:]
}

/// A user-facing message about an asynchronous failure (Cinder's `messages`).
struct MessageRecord: Sendable {
    var id: String
    var projectID: String
    var requestID: String?
    var resourceType: String
    var resourceUUID: String?
    var eventID: String
    var messageLevel: String
    var userMessage: String
    var createdAt: Timestamp
    var expiresAt: Timestamp
}
