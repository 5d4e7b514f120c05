import SQLKit
import StratusKit

/// A backup list request: scope, filters (`name`, `status`, `volume_id`), sort and page.
struct BackupListQuery: Sendable {
    /// Nil lists every project's backups (an admin's `all_tenants`).
    var projectID: String?
    var equals: [String: String] = [:]
    var sort: [(String, Bool)] = []
    var limit: Int?
    var offset: Int = 0
    var marker: String?

    static let sortableColumns: [String: String] = [
        "id": "id", "name": "name", "display_name": "name", "status": "status", "size": "size",
        "created_at": "created_at", "updated_at": "updated_at", "volume_id": "volume_id", "project_id": "project_id",
        "data_timestamp": "data_timestamp",
    ]

    func run(_ queries: BlockStorageQueries) async throws -> [BackupRecord] {
        var select = queries.sql.select().columns(BlockStorageQueries.backupColumns).from("backups")
        if let projectID { select = select.where("project_id", .equal, projectID) }
        for (column, value) in equals.sorted(by: { $0.key < $1.key }) {
            select = select.where(SQLIdentifier(column), .equal, SQLBind(value))
        }
        let window = ListWindow(sort: sort, marker: marker, offset: offset, limit: limit)
        let rows = try window.cut(try await window.ordered(select).all().map(BlockStorageQueries.backup), id: \.id)
        return rows
    }
}
