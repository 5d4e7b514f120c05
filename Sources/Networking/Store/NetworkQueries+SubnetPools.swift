import SQLKit
import StratusKit

extension NetworkQueries {
    static func subnetPool(_ row: any SQLRow) throws -> SubnetPoolRecord {
        SubnetPoolRecord(
            id: try row.string("id"), projectID: try row.string("project_id"), name: try row.string("name"),
            ipVersion: try row.int("ip_version"),
            prefixes: JSONValue.parse(try row.string("prefixes"))?.arrayValue?.compactMap(\.stringValue) ?? [],
            defaultPrefixLength: try row.int("default_prefixlen"), minPrefixLength: try row.int("min_prefixlen"),
            maxPrefixLength: try row.int("max_prefixlen"), isDefault: try row.bool("is_default"),
            shared: try row.bool("shared"), standard: try standard(row))
    }

    func subnetPools(ids: [String]? = nil) async throws -> [SubnetPoolRecord] {
        var query = sql.select().columns("*").from("subnet_pools")
        if let ids {
            guard !ids.isEmpty else { return [] }
            query = query.where("id", .in, ids)
        }
        var pools = try await query.orderBy("id").all().map { try Self.subnetPool($0) }
        let tags = try await tags(of: pools.map(\.id))
        for index in pools.indices { pools[index].standard.tags = tags[pools[index].id] ?? [] }
        return pools
    }

    func save(_ pool: SubnetPoolRecord, exists: Bool) async throws {
        let columns: [(String, any SQLExpression)] =
            [
                ("id", SQLBind(pool.id)), ("project_id", SQLBind(pool.projectID)), ("name", SQLBind(pool.name)),
                ("ip_version", SQLBind(pool.ipVersion)),
                ("prefixes", SQLBind(JSONValue.array(pool.prefixes.map(JSONValue.string)).jsonText())),
                ("default_prefixlen", SQLBind(pool.defaultPrefixLength)), ("min_prefixlen", SQLBind(pool.minPrefixLength)),
                ("max_prefixlen", SQLBind(pool.maxPrefixLength)), ("is_default", SQLBind(pool.isDefault)),
                ("shared", SQLBind(pool.shared)),
            ] + Self.standardValues(pool.standard)
        try await upsert("subnet_pools", id: pool.id, columns, exists: exists)
        try await setTags(pool.id, pool.standard.tags)
    }

    /// The prefixes of the subnets cut from a pool.
    func allocatedPrefixes(subnetPoolID: String) async throws -> [CIDR] {
        try await sql.select().column("cidr").from("subnets").where("subnetpool_id", .equal, subnetPoolID).all()
            .compactMap { CIDR(try $0.string("cidr")) }
    }
}
