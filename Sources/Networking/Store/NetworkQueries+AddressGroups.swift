import SQLKit
import StratusKit

extension NetworkQueries {
    /// Address groups (of one project, or all) with their addresses, in two queries.
    func addressGroups(ids: [String]? = nil, projectID: String? = nil) async throws -> [AddressGroupRecord] {
        var query = sql.select().columns("*").from("address_groups")
        if let ids {
            guard !ids.isEmpty else { return [] }
            query = query.where("id", .in, ids)
        }
        if let projectID { query = query.where("project_id", .equal, projectID) }
        var groups = try await query.orderBy("id").all().map { row in
            AddressGroupRecord(
                id: try row.string("id"), projectID: try row.string("project_id"), name: try row.string("name"),
                addresses: [], standard: try Self.standard(row))
        }
        guard !groups.isEmpty else { return [] }
        var addresses: [String: [String]] = [:]
        for row in try await sql.select().columns("address_group_id", "address").from("address_group_addresses")
            .where("address_group_id", .in, groups.map(\.id)).orderBy("address").all()
        {
            addresses[try row.string("address_group_id"), default: []].append(try row.string("address"))
        }
        for index in groups.indices { groups[index].addresses = addresses[groups[index].id] ?? [] }
        return groups
    }

    func save(_ group: AddressGroupRecord, exists: Bool) async throws {
        let columns: [(String, any SQLExpression)] =
            [("id", SQLBind(group.id)), ("project_id", SQLBind(group.projectID)), ("name", SQLBind(group.name))]
            + Self.standardValues(group.standard)
        try await upsert("address_groups", id: group.id, columns, exists: exists)
        try await sql.delete(from: "address_group_addresses").where("address_group_id", .equal, group.id).run()
        guard !group.addresses.isEmpty else { return }
        var insert = sql.insert(into: "address_group_addresses").columns("address_group_id", "address")
        for address in group.addresses { insert = insert.values(SQLBind(group.id), SQLBind(address)) }
        try await insert.run()
    }

    func deleteAddressGroup(_ id: String) async throws {
        try await sql.delete(from: "address_group_addresses").where("address_group_id", .equal, id).run()
        try await delete("address_groups", id: id)
    }

    func addressGroupInUse(_ id: String) async throws -> Bool {
        try await sql.select().column("id").from("security_group_rules").where("remote_address_group_id", .equal, id)
            .first() != nil
    }
}
