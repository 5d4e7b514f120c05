import SQLKit
import StratusKit

extension NetworkQueries {
    static func router(_ row: any SQLRow) throws -> RouterRecord {
        RouterRecord(
            id: try row.string("id"), projectID: try row.string("project_id"), name: try row.string("name"),
            adminStateUp: try row.bool("admin_state_up"), status: try row.string("status"),
            gatewayPortID: try row.optionalString("gateway_port_id"), enableSNAT: try row.bool("enable_snat"),
            routes: JSONValue.parse(try row.string("routes"))?.arrayValue ?? [], distributed: try row.bool("distributed"),
            ha: try row.bool("ha"), standard: try standard(row))
    }

    func routers(projectID: String? = nil, ids: [String]? = nil) async throws -> [RouterRecord] {
        var query = sql.select().columns("*").from("routers")
        if let projectID { query = query.where("project_id", .equal, projectID) }
        if let ids {
            guard !ids.isEmpty else { return [] }
            query = query.where("id", .in, ids)
        }
        var routers = try await query.orderBy("id").all().map { try Self.router($0) }
        let tags = try await tags(of: routers.map(\.id))
        for index in routers.indices { routers[index].standard.tags = tags[routers[index].id] ?? [] }
        return routers
    }

    func save(_ router: RouterRecord, exists: Bool) async throws {
        let columns: [(String, any SQLExpression)] =
            [
                ("id", SQLBind(router.id)), ("project_id", SQLBind(router.projectID)), ("name", SQLBind(router.name)),
                ("admin_state_up", SQLBind(router.adminStateUp)), ("status", SQLBind(router.status)),
                ("gateway_port_id", SQLBind(router.gatewayPortID)), ("enable_snat", SQLBind(router.enableSNAT)),
                ("routes", SQLBind(JSONValue.array(router.routes).jsonText())), ("distributed", SQLBind(router.distributed)),
                ("ha", SQLBind(router.ha)),
            ] + Self.standardValues(router.standard)
        try await upsert("routers", id: router.id, columns, exists: exists)
        try await setTags(router.id, router.standard.tags)
    }

    /// Ports a router owns (interfaces and gateway), by `device_id`.
    func ports(deviceID: String) async throws -> [PortRecord] {
        let ids = try await sql.select().column("id").from("ports").where("device_id", .equal, deviceID).all()
            .map { try $0.string("id") }
        return ids.isEmpty ? [] : try await ports(ids: ids)
    }

    static func floatingIP(_ row: any SQLRow) throws -> FloatingIPRecord {
        FloatingIPRecord(
            id: try row.string("id"), projectID: try row.string("project_id"),
            floatingNetworkID: try row.string("floating_network_id"), floatingIPAddress: try row.string("floating_ip_address"),
            floatingPortID: try row.string("floating_port_id"), portID: try row.optionalString("port_id"),
            fixedIPAddress: try row.optionalString("fixed_ip_address"), routerID: try row.optionalString("router_id"),
            status: try row.string("status"), standard: try standard(row),
            dnsName: try row.string("dns_name"), dnsDomain: try row.string("dns_domain"))
    }

    func floatingIPs(projectID: String? = nil, ids: [String]? = nil, portID: String? = nil, routerID: String? = nil)
        async throws -> [FloatingIPRecord]
    {
        var query = sql.select().columns("*").from("floating_ips")
        if let routerID { query = query.where("router_id", .equal, routerID) }
        if let projectID { query = query.where("project_id", .equal, projectID) }
        if let ids {
            guard !ids.isEmpty else { return [] }
            query = query.where("id", .in, ids)
        }
        if let portID { query = query.where("port_id", .equal, portID) }
        var addresses = try await query.orderBy("id").all().map { try Self.floatingIP($0) }
        let tags = try await tags(of: addresses.map(\.id))
        for index in addresses.indices { addresses[index].standard.tags = tags[addresses[index].id] ?? [] }
        return addresses
    }

    func save(_ floatingIP: FloatingIPRecord, exists: Bool) async throws {
        let columns: [(String, any SQLExpression)] =
            [
                ("id", SQLBind(floatingIP.id)), ("project_id", SQLBind(floatingIP.projectID)),
                ("floating_network_id", SQLBind(floatingIP.floatingNetworkID)),
                ("floating_ip_address", SQLBind(floatingIP.floatingIPAddress)),
                ("floating_port_id", SQLBind(floatingIP.floatingPortID)), ("port_id", SQLBind(floatingIP.portID)),
                ("fixed_ip_address", SQLBind(floatingIP.fixedIPAddress)), ("router_id", SQLBind(floatingIP.routerID)),
                ("status", SQLBind(floatingIP.status)),
                ("dns_name", SQLBind(floatingIP.dnsName)), ("dns_domain", SQLBind(floatingIP.dnsDomain)),
            ] + Self.standardValues(floatingIP.standard)
        try await upsert("floating_ips", id: floatingIP.id, columns, exists: exists)
        try await setTags(floatingIP.id, floatingIP.standard.tags)
    }
}
