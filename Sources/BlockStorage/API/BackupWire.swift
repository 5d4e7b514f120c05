import StratusKit

/// Backup bodies as the Cinder v3 API reference shapes them, per microversion and per what
/// the caller may see (project and user for admins).
struct BackupWire: Sendable {
    let publicURL: String
    let version: Microversion
    let isAdmin: Bool

    func links(_ backup: BackupRecord) -> JSONValue {
        [
            ["rel": "self", "href": .string("\(publicURL)/v3/\(backup.projectID)/backups/\(backup.id)")],
            ["rel": "bookmark", "href": .string("\(publicURL)/\(backup.projectID)/backups/\(backup.id)")],
        ]
    }

    func summary(_ backup: BackupRecord) -> JSONValue {
        ["id": .string(backup.id), "name": backup.name.map(JSONValue.string) ?? .null, "links": links(backup)]
    }

    func detail(_ backup: BackupRecord, hasDependents: Bool) -> JSONValue {
        var body: [String: JSONValue] = [
            "id": .string(backup.id), "status": .string(backup.status), "size": .int(backup.size),
            "object_count": .int(backup.objectCount),
            "availability_zone": backup.availabilityZone.map(JSONValue.string) ?? .null,
            "container": backup.container.map(JSONValue.string) ?? .null,
            "created_at": .string(backup.createdAt.iso8601NoZone),
            "updated_at": backup.updatedAt.map { .string($0.iso8601NoZone) } ?? .null,
            "name": backup.name.map(JSONValue.string) ?? .null,
            "description": backup.description.map(JSONValue.string) ?? .null,
            "fail_reason": backup.failReason.map(JSONValue.string) ?? .null, "volume_id": .string(backup.volumeID),
            "links": links(backup), "is_incremental": .bool(backup.isIncremental),
            "has_dependent_backups": .bool(hasDependents),
            "snapshot_id": backup.snapshotID.map(JSONValue.string) ?? .null,
            "data_timestamp": .string(backup.dataTimestamp.iso8601NoZone),
        ]
        if version.isAtLeast(3, 18), isAdmin { body["os-backup-project-attr:project_id"] = .string(backup.projectID) }
        if version.isAtLeast(3, 43) { body["metadata"] = .object(backup.metadata.mapValues(JSONValue.string)) }
        if version.isAtLeast(3, 56), isAdmin { body["user_id"] = .string(backup.userID) }
        return .object(body)
    }
}
