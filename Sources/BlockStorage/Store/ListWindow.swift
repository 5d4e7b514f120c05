import SQLKit

/// The ordering and page of a list query (volumes, snapshots, backups): sort pairs, marker, offset and limit.
///
/// Rows are ordered in SQL; the marker, offset and limit are applied to the fetched rows, so a marker that is
/// not among them is reported as Cinder does (404 "Marker … could not be found.").
struct ListWindow: Sendable {
    /// (column, ascending) pairs; `created_at` descending when empty.
    var sort: [(String, Bool)]
    /// The id of the last row of the previous page.
    var marker: String?
    var offset: Int
    var limit: Int?

    /// Orders `select` by the sort pairs, then by `id` in the first pair's direction so equal keys page stably.
    func ordered(_ select: SQLSelectBuilder) -> SQLSelectBuilder {
        let order = sort.isEmpty ? [("created_at", false)] : sort
        var select = select
        for (column, ascending) in order { select = select.orderBy(column, ascending ? .ascending : .descending) }
        return select.orderBy("id", order.first?.1 == true ? .ascending : .descending)
    }

    /// The page of the ordered `rows`: those after the marker, less the first `offset`, at most `limit`.
    func cut<Row>(_ rows: [Row], id: (Row) -> String) throws -> [Row] {
        var rows = rows
        if let marker {
            guard let index = rows.firstIndex(where: { id($0) == marker }) else {
                throw BlockStorageErrors.notFound("Marker \(marker) could not be found.")
            }
            rows = Array(rows[(index + 1)...])
        }
        if offset > 0 { rows = Array(rows.dropFirst(offset)) }
        if let limit { rows = Array(rows.prefix(limit)) }
        return rows
    }
}
