import SQLKit
import StratusKit

extension NetworkQueries {
    static func network(_ row: any SQLRow) throws -> NetworkRecord {
        NetworkRecord(
            id: try row.string("id"), projectID: try row.string("project_id"), name: try row.string("name"),
            adminStateUp: try row.bool("admin_state_up"), shared: try row.bool("shared"), external: try row.bool("external"),
            mtu: try row.optionalInt64("mtu") ?? 0, portSecurityEnabled: try row.bool("port_security_enabled"),
            status: try row.string("status"),
            availabilityZoneHints: JSONValue.parse(try row.string("availability_zone_hints"))?.arrayValue?
                .compactMap(\.stringValue) ?? [],
            standard: try standard(row), dnsDomain: try row.string("dns_domain"))
    }

    func network(id: String) async throws -> NetworkRecord? {
        try await networks(ids: [id]).first
    }

    /// Networks a project may see (its own, shared and external ones; every one when
    /// `projectID` is nil, for admins), with segments and tags attached.
    func networks(ids: [String]? = nil, visibleTo projectID: String? = nil) async throws -> [NetworkRecord] {
        var query = sql.select().columns("*").from("networks")
        if let ids {
            guard !ids.isEmpty else { return [] }
            query = query.where("id", .in, ids)
        }
        if let projectID {
            let rbac = SQLQueryString(
                "EXISTS (SELECT 1 FROM rbac_policies r WHERE r.object_id = networks.id AND r.target_project IN (\(bind: projectID), '*'))")
            query = query.where { group in
                group.where("project_id", .equal, projectID).orWhere("shared", .equal, true)
                    .orWhere("external", .equal, true).orWhere(rbac)
            }
        }
        var networks = try await query.orderBy("id").all().map { try Self.network($0) }
        guard !networks.isEmpty else { return [] }
        let tags = try await tags(of: networks.map(\.id))
        var segments: [String: [SegmentRecord]] = [:]
        for row in try await sql.select().columns("*").from("network_segments")
            .where("network_id", .in, networks.map(\.id)).orderBy("position").all()
        {
            segments[try row.string("network_id"), default: []].append(
                SegmentRecord(
                    networkType: try row.string("network_type"), physicalNetwork: try row.string("physical_network"),
                    segmentationID: try row.optionalInt64("segmentation_id")))
        }
        var shared: [String: [String]] = [:]
        var external: [String: [String]] = [:]
        for policy in try await rbacPolicies(objectIDs: networks.map(\.id)) {
            if policy.action == "access_as_shared" { shared[policy.objectID, default: []].append(policy.targetProject) }
            if policy.action == "access_as_external" { external[policy.objectID, default: []].append(policy.targetProject) }
        }
        for index in networks.indices {
            networks[index].standard.tags = tags[networks[index].id] ?? []
            networks[index].segments = segments[networks[index].id] ?? []
            networks[index].sharedWith = shared[networks[index].id] ?? []
            networks[index].externalFor = external[networks[index].id] ?? []
        }
        return networks
    }

    func save(_ network: NetworkRecord, exists: Bool) async throws {
        let columns: [(String, any SQLExpression)] =
            [
                ("id", SQLBind(network.id)), ("project_id", SQLBind(network.projectID)), ("name", SQLBind(network.name)),
                ("admin_state_up", SQLBind(network.adminStateUp)), ("shared", SQLBind(network.shared)),
                ("external", SQLBind(network.external)), ("mtu", SQLBind(network.mtu)),
                ("port_security_enabled", SQLBind(network.portSecurityEnabled)), ("status", SQLBind(network.status)),
                ("availability_zone_hints", SQLBind(JSONValue.array(network.availabilityZoneHints.map(JSONValue.string)).jsonText())),
                ("dns_domain", SQLBind(network.dnsDomain)),
            ] + Self.standardValues(network.standard)
        try await upsert("networks", id: network.id, columns, exists: exists)
        try await setTags(network.id, network.standard.tags)
        if !exists {
            for (position, segment) in network.segments.enumerated() {
                try await sql.insert(into: "network_segments")
                    .columns("network_id", "position", "network_type", "physical_network", "segmentation_id")
                    .values(
                        SQLBind(network.id), SQLBind(position), SQLBind(segment.networkType),
                        SQLBind(segment.physicalNetwork), SQLBind(segment.segmentationID)
                    ).run()
            }
        }
    }

    func deleteNetwork(_ id: String) async throws {
        try await sql.delete(from: "network_segments").where("network_id", .equal, id).run()
        try await sql.delete(from: "rbac_policies").where("object_id", .equal, id).run()
        try await delete("networks", id: id)
    }

    /// Segmentation ids of `type` in use on `physicalNetwork`.
    func usedSegmentationIDs(type: String, physicalNetwork: String) async throws -> Set<Int64> {
        Set(
            try await sql.select().column("segmentation_id").from("network_segments")
                .where("network_type", .equal, type).where("physical_network", .equal, physicalNetwork)
                .all().compactMap { try $0.optionalInt64("segmentation_id") })
    }

    func segmentTaken(_ segment: SegmentRecord) async throws -> Bool {
        var query = sql.select().column("network_id").from("network_segments")
            .where("network_type", .equal, segment.networkType)
            .where("physical_network", .equal, segment.physicalNetwork)
        if let id = segment.segmentationID { query = query.where("segmentation_id", .equal, id) }
        return try await query.first() != nil
    }
}
