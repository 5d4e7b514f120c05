import StratusKit

/// Snapshot bodies as the Cinder v3 API reference shapes them, per microversion. Snapshots
/// carry no links.
struct SnapshotWire: Sendable {
    let version: Microversion

    /// What `GET /snapshots` lists and a create answers with: the base fields.
    func summary(_ snapshot: SnapshotRecord) -> JSONValue {
        .object(base(snapshot))
    }

    /// Show and `GET /snapshots/detail`: the base fields, the extended attributes (project
    /// and progress) and the microversioned ones.
    func detail(_ snapshot: SnapshotRecord) -> JSONValue {
        var body = base(snapshot)
        body["os-extended-snapshot-attributes:project_id"] = .string(snapshot.projectID)
        body["os-extended-snapshot-attributes:progress"] = .string(snapshot.progress)
        return .object(body)
    }

    private func base(_ snapshot: SnapshotRecord) -> [String: JSONValue] {
        var body: [String: JSONValue] = [
            "id": .string(snapshot.id), "created_at": .string(snapshot.createdAt.iso8601NoZone),
            "updated_at": snapshot.updatedAt.map { .string($0.iso8601NoZone) } ?? .null,
            "name": snapshot.name.map(JSONValue.string) ?? .null,
            "description": snapshot.description.map(JSONValue.string) ?? .null, "volume_id": .string(snapshot.volumeID),
            "status": .string(snapshot.status), "size": .int(snapshot.size),
            "metadata": .object(snapshot.metadata.mapValues(JSONValue.string)),
        ]
        if version.isAtLeast(3, 14) { body["group_snapshot_id"] = .null }
        if version.isAtLeast(3, 41) { body["user_id"] = .string(snapshot.userID) }
        if version.isAtLeast(3, 65) { body["consumes_quota"] = .bool(snapshot.consumesQuota) }
        return body
    }
}
