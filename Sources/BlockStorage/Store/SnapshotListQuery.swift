import SQLKit
import StratusKit

/// A snapshot list request: scope, filters, sort and page (as `VolumeListQuery` for volumes).
struct SnapshotListQuery: Sendable {
    /// Nil lists every project's snapshots (an admin's `all_tenants`).
    var projectID: String?
    /// Exact column filters (`name`, `status`, `volume_id`, `consumes_quota`), column → value.
    var equals: [String: String] = [:]
    /// The snapshot's volume must be in this zone.
    var availabilityZone: String?
    /// Every pair must be in the snapshot's metadata.
    var metadata: [String: String] = [:]
    var sort: [(String, Bool)] = []
    var limit: Int?
    var offset: Int = 0
    var marker: String?

    static let sortableColumns: [String: String] = [
        "id": "id", "name": "name", "display_name": "name", "status": "status", "size": "size",
        "created_at": "created_at", "updated_at": "updated_at", "volume_id": "volume_id", "project_id": "project_id",
    ]

    func run(_ queries: BlockStorageQueries) async throws -> [SnapshotRecord] {
        var select = queries.sql.select().columns(BlockStorageQueries.snapshotColumns).from("snapshots")
        if let projectID { select = select.where("project_id", .equal, projectID) }
        for (column, value) in equals.sorted(by: { $0.key < $1.key }) {
            if column == "consumes_quota" {
                select = select.where("consumes_quota", .equal, SQLBind(value == "1"))
            } else {
                select = select.where(SQLIdentifier(column), .equal, SQLBind(value))
            }
        }
        if let availabilityZone {
            select = select.where(
                SQLQueryString(
                    "EXISTS (SELECT 1 FROM volumes v WHERE v.id = snapshots.volume_id AND v.availability_zone = \(bind: availabilityZone))"
                ))
        }
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            select = select.where(
                SQLQueryString(
                    "EXISTS (SELECT 1 FROM snapshot_metadata m WHERE m.snapshot_id = snapshots.id AND m.key = \(bind: key) AND m.value = \(bind: value))"
                ))
        }
        let window = ListWindow(sort: sort, marker: marker, offset: offset, limit: limit)
        let rows = try window.cut(try await window.ordered(select).all().map(BlockStorageQueries.snapshot), id: \.id)
        let metadata = try await queries.keyValues("snapshot_metadata", owner: "snapshot_id", ids: rows.map(\.id))
        return rows.map { snapshot in
            var snapshot = snapshot
            snapshot.metadata = metadata[snapshot.id] ?? [:]
            return snapshot
        }
    }
}
