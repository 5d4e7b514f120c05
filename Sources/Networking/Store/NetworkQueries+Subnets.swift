import SQLKit
import StratusKit

extension NetworkQueries {
    static func subnet(_ row: any SQLRow) throws -> SubnetRecord {
        let pools = (JSONValue.parse(try row.string("allocation_pools"))?.arrayValue ?? []).compactMap { pool -> AddressRange? in
            guard let start = pool["start"]?.stringValue.flatMap(IPAddress.init),
                let end = pool["end"]?.stringValue.flatMap(IPAddress.init)
            else { return nil }
            return AddressRange(first: start, last: end)
        }
        return SubnetRecord(
            id: try row.string("id"), networkID: try row.string("network_id"), projectID: try row.string("project_id"),
            name: try row.string("name"), ipVersion: try row.int("ip_version"), cidr: try row.string("cidr"),
            gatewayIP: try row.optionalString("gateway_ip"), enableDHCP: try row.bool("enable_dhcp"),
            ipv6RAMode: try row.optionalString("ipv6_ra_mode"), ipv6AddressMode: try row.optionalString("ipv6_address_mode"),
            allocationPools: pools,
            dnsNameservers: JSONValue.parse(try row.string("dns_nameservers"))?.arrayValue?.compactMap(\.stringValue) ?? [],
            hostRoutes: JSONValue.parse(try row.string("host_routes"))?.arrayValue ?? [], standard: try standard(row),
            subnetPoolID: try row.optionalString("subnetpool_id"))
    }

    func subnets(networkIDs: [String]? = nil, ids: [String]? = nil) async throws -> [SubnetRecord] {
        var query = sql.select().columns("*").from("subnets")
        if let networkIDs {
            guard !networkIDs.isEmpty else { return [] }
            query = query.where("network_id", .in, networkIDs)
        }
        if let ids {
            guard !ids.isEmpty else { return [] }
            query = query.where("id", .in, ids)
        }
        var subnets = try await query.orderBy("id").all().map { try Self.subnet($0) }
        let tags = try await tags(of: subnets.map(\.id))
        for index in subnets.indices { subnets[index].standard.tags = tags[subnets[index].id] ?? [] }
        return subnets
    }

    func save(_ subnet: SubnetRecord, exists: Bool) async throws {
        let pools = JSONValue.array(
            subnet.allocationPools.map { ["start": .string($0.first.description), "end": .string($0.last.description)] })
        let columns: [(String, any SQLExpression)] =
            [
                ("id", SQLBind(subnet.id)), ("network_id", SQLBind(subnet.networkID)),
                ("project_id", SQLBind(subnet.projectID)), ("name", SQLBind(subnet.name)),
                ("ip_version", SQLBind(subnet.ipVersion)), ("cidr", SQLBind(subnet.cidr)),
                ("gateway_ip", SQLBind(subnet.gatewayIP)), ("enable_dhcp", SQLBind(subnet.enableDHCP)),
                ("ipv6_ra_mode", SQLBind(subnet.ipv6RAMode)), ("ipv6_address_mode", SQLBind(subnet.ipv6AddressMode)),
                ("allocation_pools", SQLBind(pools.jsonText())),
                ("dns_nameservers", SQLBind(JSONValue.array(subnet.dnsNameservers.map(JSONValue.string)).jsonText())),
                ("host_routes", SQLBind(JSONValue.array(subnet.hostRoutes).jsonText())),
                ("subnetpool_id", SQLBind(subnet.subnetPoolID)),
            ] + Self.standardValues(subnet.standard)
        try await upsert("subnets", id: subnet.id, columns, exists: exists)
        try await setTags(subnet.id, subnet.standard.tags)
        // A new subnet's pools are all free; changed pools are rebuilt by whoever changes them.
        if !exists { try await rebuildFreeRanges(subnet) }
    }

    /// Addresses taken in a subnet.
    func allocatedAddresses(subnetID: String) async throws -> Set<IPAddress> {
        Set(
            try await sql.select().column("ip_address").from("ip_allocations").where("subnet_id", .equal, subnetID).all()
                .compactMap { IPAddress(try $0.string("ip_address")) })
    }

    func allocationCount(subnetID: String) async throws -> Int {
        try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("ip_allocations")
            .where("subnet_id", .equal, subnetID).first()?.decode(column: "n", as: Int.self) ?? 0
    }
}
