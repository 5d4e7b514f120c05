import SQLKit
import StratusKit

/// The Network service's queries on one connection (inside a transaction for writes).
/// Lists read tags, segments and fixed IPs of a whole page with one query each.
struct NetworkQueries: Sendable {
    let sql: any SQLDatabase

    // MARK: Standard attributes and tags

    static func standard(_ row: any SQLRow) throws -> StandardAttributes {
        StandardAttributes(
            description: try row.string("description"),
            createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0),
            updatedAt: try row.timestamp("updated_at") ?? Timestamp(microseconds: 0),
            revisionNumber: try row.optionalInt64("revision_number") ?? 0)
    }

    static func standardValues(_ standard: StandardAttributes) -> [(String, any SQLExpression)] {
        [
            ("description", SQLBind(standard.description)), ("created_at", SQLBind(standard.createdAt.microseconds)),
            ("updated_at", SQLBind(standard.updatedAt.microseconds)), ("revision_number", SQLBind(standard.revisionNumber)),
        ]
    }

    func tags(of ids: [String]) async throws -> [String: [String]] {
        guard !ids.isEmpty else { return [:] }
        var result: [String: [String]] = [:]
        for row in try await sql.select().columns("resource_id", "tag").from("resource_tags")
            .where("resource_id", .in, ids).orderBy("tag").all()
        {
            result[try row.string("resource_id"), default: []].append(try row.string("tag"))
        }
        return result
    }

    func setTags(_ id: String, _ tags: [String]) async throws {
        try await sql.delete(from: "resource_tags").where("resource_id", .equal, id).run()
        guard !tags.isEmpty else { return }
        var insert = sql.insert(into: "resource_tags").columns("resource_id", "tag")
        for tag in Set(tags).sorted() { insert = insert.values(SQLBind(id), SQLBind(tag)) }
        try await insert.run()
    }

    /// Inserts or replaces a row given as (column, value) pairs.
    func upsert(_ table: String, id: String, _ columns: [(String, any SQLExpression)], exists: Bool) async throws {
        if exists {
            var update = sql.update(table)
            for (column, value) in columns where column != "id" { update = update.set(SQLIdentifier(column), to: value) }
            try await update.where("id", .equal, id).run()
        } else {
            try await sql.insert(into: table).columns(columns.map(\.0)).values(columns.map(\.1)).run()
        }
    }

    func delete(_ table: String, id: String) async throws {
        try await sql.delete(from: table).where("id", .equal, id).run()
        try await sql.delete(from: "resource_tags").where("resource_id", .equal, id).run()
    }
}
