import SQLKit
import StratusKit

/// A volume list request: scope, filters, sort and page, run as one SQL query for the rows
/// (then one each for metadata and attachments of the page).
struct VolumeListQuery: Sendable {
    /// Nil lists every project's volumes (an admin's `all_tenants`).
    var projectID: String?
    /// Exact column filters (`status`, `availability_zone`, `size`, `bootable` …), SQL column → value.
    var equals: [String: String] = [:]
    /// `name~` (3.34+): a substring of the name.
    var nameLike: String?
    /// Every pair must be in the volume's metadata.
    var metadata: [String: String] = [:]
    /// (column, ascending) pairs; `created_at` descending when empty.
    var sort: [(String, Bool)] = []
    var limit: Int?
    var offset: Int = 0
    var marker: String?

    static let sortableColumns: [String: String] = [
        "id": "id", "name": "name", "display_name": "name", "status": "status", "size": "size",
        "created_at": "created_at", "updated_at": "updated_at", "availability_zone": "availability_zone",
        "bootable": "bootable", "project_id": "project_id", "volume_type": "volume_type_id", "host": "host",
    ]

    func run(_ queries: BlockStorageQueries) async throws -> [VolumeRecord] {
        let sql = queries.sql
        var select = sql.select().columns(BlockStorageQueries.volumeColumns).from("volumes")
        if let projectID { select = select.where("project_id", .equal, projectID) }
        for (column, value) in equals.sorted(by: { $0.key < $1.key }) {
            if column == "bootable" {
                select = select.where("bootable", .equal, SQLBind(["true", "1", "yes", "t", "on"].contains(value.lowercased())))
            } else if column == "size", let size = Int64(value) {
                select = select.where("size", .equal, SQLBind(size))
            } else {
                select = select.where(SQLIdentifier(column), .equal, SQLBind(value))
            }
        }
        if let nameLike { select = select.where("name", .like, "%" + nameLike + "%") }
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            select = select.where(
                SQLQueryString(
                    "EXISTS (SELECT 1 FROM volume_metadata m WHERE m.volume_id = volumes.id AND m.key = \(bind: key) AND m.value = \(bind: value))"
                ))
        }
        let window = ListWindow(sort: sort, marker: marker, offset: offset, limit: limit)
        let rows = try window.cut(try await window.ordered(select).all().map(BlockStorageQueries.volume), id: \.id)
        return try await queries.withDetails(rows)
    }
}
