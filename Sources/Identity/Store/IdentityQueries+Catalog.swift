import SQLKit
import StratusKit

extension IdentityQueries {
    static func region(_ row: any SQLRow) throws -> RegionRecord {
        RegionRecord(
            id: try row.string("id"), description: try row.string("description"),
            parentRegionID: try row.optionalString("parent_region_id"), extra: try row.extra())
    }

    func region(id: String) async throws -> RegionRecord? {
        try await sql.select().columns("*").from("regions").where("id", .equal, id).first().map(Self.region)
    }

    func listRegions(parentRegionID: String?) async throws -> [RegionRecord] {
        var query = sql.select().columns("*").from("regions")
        if let parentRegionID { query = query.where("parent_region_id", .equal, parentRegionID) }
        return try await query.orderBy("id").all().map(Self.region)
    }

    func insert(_ region: RegionRecord) async throws {
        try await sql.insert(into: "regions").columns("id", "description", "parent_region_id", "extra")
            .values(
                SQLBind(region.id), SQLBind(region.description), SQLBind(region.parentRegionID),
                SQLBind(region.extra.jsonText)
            ).run()
    }

    func update(_ region: RegionRecord) async throws {
        try await sql.update("regions").set("description", to: region.description)
            .set("parent_region_id", to: region.parentRegionID).set("extra", to: region.extra.jsonText)
            .where("id", .equal, region.id).run()
    }

    static func service(_ row: any SQLRow) throws -> ServiceRecord {
        ServiceRecord(
            id: try row.string("id"), type: try row.string("type"), enabled: try row.bool("enabled"),
            extra: try row.extra())
    }

    func service(id: String) async throws -> ServiceRecord? {
        try await sql.select().columns("*").from("services").where("id", .equal, id).first().map(Self.service)
    }

    func listServices(type: String?) async throws -> [ServiceRecord] {
        var query = sql.select().columns("*").from("services")
        if let type { query = query.where("type", .equal, type) }
        return try await query.orderBy("type").all().map(Self.service)
    }

    func insert(_ service: ServiceRecord) async throws {
        try await sql.insert(into: "services").columns("id", "type", "enabled", "extra")
            .values(SQLBind(service.id), SQLBind(service.type), SQLBind(service.enabled), SQLBind(service.extra.jsonText))
            .run()
    }

    func update(_ service: ServiceRecord) async throws {
        try await sql.update("services").set("type", to: service.type).set("enabled", to: service.enabled)
            .set("extra", to: service.extra.jsonText).where("id", .equal, service.id).run()
    }

    static func endpoint(_ row: any SQLRow) throws -> EndpointRecord {
        EndpointRecord(
            id: try row.string("id"), serviceID: try row.string("service_id"), interface: try row.string("interface"),
            regionID: try row.optionalString("region_id"), url: try row.string("url"), enabled: try row.bool("enabled"),
            extra: try row.extra())
    }

    func endpoint(id: String) async throws -> EndpointRecord? {
        try await sql.select().columns("*").from("endpoints").where("id", .equal, id).first().map(Self.endpoint)
    }

    func listEndpoints(serviceID: String?, interface: String?, regionID: String?) async throws -> [EndpointRecord] {
        var query = sql.select().columns("*").from("endpoints")
        if let serviceID { query = query.where("service_id", .equal, serviceID) }
        if let interface { query = query.where("interface", .equal, interface) }
        if let regionID { query = query.where("region_id", .equal, regionID) }
        return try await query.orderBy("id").all().map(Self.endpoint)
    }

    func insert(_ endpoint: EndpointRecord) async throws {
        try await sql.insert(into: "endpoints")
            .columns("id", "service_id", "interface", "region_id", "url", "enabled", "extra")
            .values(
                SQLBind(endpoint.id), SQLBind(endpoint.serviceID), SQLBind(endpoint.interface),
                SQLBind(endpoint.regionID), SQLBind(endpoint.url), SQLBind(endpoint.enabled),
                SQLBind(endpoint.extra.jsonText)
            ).run()
    }

    func update(_ endpoint: EndpointRecord) async throws {
        try await sql.update("endpoints").set("service_id", to: endpoint.serviceID)
            .set("interface", to: endpoint.interface).set("region_id", to: endpoint.regionID)
            .set("url", to: endpoint.url).set("enabled", to: endpoint.enabled)
            .set("extra", to: endpoint.extra.jsonText).where("id", .equal, endpoint.id).run()
    }
}
