import SQLKit
import StratusKit

extension NetworkQueries {
    static func port(_ row: any SQLRow) throws -> PortRecord {
        PortRecord(
            id: try row.string("id"), networkID: try row.string("network_id"), projectID: try row.string("project_id"),
            name: try row.string("name"), macAddress: try row.string("mac_address"),
            adminStateUp: try row.bool("admin_state_up"), status: try row.string("status"),
            deviceID: try row.string("device_id"), deviceOwner: try row.string("device_owner"),
            bindingHostID: try row.string("binding_host_id"), bindingVIFType: try row.string("binding_vif_type"),
            bindingVNICType: try row.string("binding_vnic_type"), bindingProfile: try row.extra("binding_profile"),
            portSecurityEnabled: try row.bool("port_security_enabled"),
            allowedAddressPairs: JSONValue.parse(try row.string("allowed_address_pairs"))?.arrayValue ?? [],
            dnsName: try row.string("dns_name"), standard: try standard(row))
    }

    /// Ports with their fixed IPs and tags: of some networks, ids, or (nil) all.
    func ports(
        ids: [String]? = nil, networkIDs: [String]? = nil, projectID: String? = nil,
        equalities: [(column: String, values: [String])] = []
    ) async throws -> [PortRecord] {
        var query = sql.select().columns("*").from("ports")
        for (column, values) in equalities where !values.isEmpty {
            query = query.where(SQLIdentifier(column), .in, SQLBind.group(values))
        }
        if let ids {
            guard !ids.isEmpty else { return [] }
            query = query.where("id", .in, ids)
        }
        if let networkIDs {
            guard !networkIDs.isEmpty else { return [] }
            query = query.where("network_id", .in, networkIDs)
        }
        if let projectID { query = query.where("project_id", .equal, projectID) }
        var ports = try await query.orderBy("id").all().map { try Self.port($0) }
        guard !ports.isEmpty else { return [] }
        let ids = ports.map(\.id)
        var fixed: [String: [FixedIP]] = [:]
        for row in try await sql.select().columns("port_id", "subnet_id", "ip_address").from("ip_allocations")
            .where("port_id", .in, ids).all()
        {
            fixed[try row.string("port_id"), default: []].append(
                FixedIP(subnetID: try row.string("subnet_id"), ipAddress: try row.string("ip_address")))
        }
        let tags = try await tags(of: ids)
        let groups = try await portSecurityGroups(portIDs: ids)
        for index in ports.indices {
            ports[index].securityGroups = groups[ports[index].id] ?? []
            ports[index].fixedIPs = fixed[ports[index].id] ?? []
            ports[index].standard.tags = tags[ports[index].id] ?? []
        }
        return ports
    }

    func save(_ port: PortRecord, exists: Bool) async throws {
        let columns: [(String, any SQLExpression)] =
            [
                ("id", SQLBind(port.id)), ("network_id", SQLBind(port.networkID)), ("project_id", SQLBind(port.projectID)),
                ("name", SQLBind(port.name)), ("mac_address", SQLBind(port.macAddress)),
                ("admin_state_up", SQLBind(port.adminStateUp)), ("status", SQLBind(port.status)),
                ("device_id", SQLBind(port.deviceID)), ("device_owner", SQLBind(port.deviceOwner)),
                ("binding_host_id", SQLBind(port.bindingHostID)), ("binding_vif_type", SQLBind(port.bindingVIFType)),
                ("binding_vnic_type", SQLBind(port.bindingVNICType)), ("binding_profile", SQLBind(port.bindingProfile.jsonText)),
                ("port_security_enabled", SQLBind(port.portSecurityEnabled)),
                ("allowed_address_pairs", SQLBind(JSONValue.array(port.allowedAddressPairs).jsonText())),
                ("dns_name", SQLBind(port.dnsName)),
            ] + Self.standardValues(port.standard)
        try await upsert("ports", id: port.id, columns, exists: exists)
        try await setTags(port.id, port.standard.tags)
        try await setPortSecurityGroups(portID: port.id, port.securityGroups)
        try await setAllocations(portID: port.id, networkID: port.networkID, port.fixedIPs)
    }

    /// Brings the port's rows in `ip_allocations` to `fixedIPs`: addresses it no longer has
    /// go back to their subnets' free ranges; new ones were claimed by the allocator.
    private func setAllocations(portID: String, networkID: String, _ fixedIPs: [FixedIP]) async throws {
        let current = try await allocations(portID: portID)
        let removed = current.filter { !fixedIPs.contains($0) }
        if !removed.isEmpty {
            let subnets = Dictionary(
                try await self.subnets(ids: Array(Set(removed.map(\.subnetID)))).map { ($0.id, $0) },
                uniquingKeysWith: { first, _ in first })
            for fixedIP in removed {
                try await sql.delete(from: "ip_allocations").where("subnet_id", .equal, fixedIP.subnetID)
                    .where("ip_address", .equal, fixedIP.ipAddress).run()
                if let subnet = subnets[fixedIP.subnetID], let address = IPAddress(fixedIP.ipAddress) {
                    try await releaseAddress(address, of: subnet)
                }
            }
        }
        for fixedIP in fixedIPs where !current.contains(fixedIP) {
            try await sql.insert(into: "ip_allocations").columns("subnet_id", "ip_address", "port_id", "network_id")
                .values(SQLBind(fixedIP.subnetID), SQLBind(fixedIP.ipAddress), SQLBind(portID), SQLBind(networkID))
                .run()
        }
    }

    private func allocations(portID: String) async throws -> [FixedIP] {
        try await sql.select().columns("subnet_id", "ip_address").from("ip_allocations").where("port_id", .equal, portID).all()
            .map { FixedIP(subnetID: try $0.string("subnet_id"), ipAddress: try $0.string("ip_address")) }
    }

    func deletePort(_ id: String) async throws {
        try await setAllocations(portID: id, networkID: "", [])
        try await sql.delete(from: "port_security_groups").where("port_id", .equal, id).run()
        try await delete("ports", id: id)
    }

    func portCount(networkID: String) async throws -> Int {
        try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("ports")
            .where("network_id", .equal, networkID).first()?.decode(column: "n", as: Int.self) ?? 0
    }

    func macInUse(_ mac: String, networkID: String) async throws -> Bool {
        try await sql.select().column("id").from("ports").where("network_id", .equal, networkID)
            .where("mac_address", .equal, mac).first() != nil
    }
}
