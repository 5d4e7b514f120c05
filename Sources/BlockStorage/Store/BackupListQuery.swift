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
        let order = sort.isEmpty ? [("created_at", false)] : sort
        for (column, ascending) in order { select = select.orderBy(column, ascending ? .ascending : .descending) }
        select = select.orderBy("id", order.first?.1 == true ? .ascending : .descending)
        var rows = try await select.all().map(BlockStorageQueries.backup)
        if let marker {
            guard let index = rows.firstIndex(where: { $0.id == marker }) else {
                throw BlockStorageErrors.notFound("Marker \(marker) could not be found.")
            }
            rows = Array(rows[(index + 1)...])
        }
        if offset > 0 { rows = Array(rows.dropFirst(offset)) }
        if let limit { rows = Array(rows.prefix(limit)) }
        return rows
    }
}
