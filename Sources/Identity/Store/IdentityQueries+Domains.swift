import SQLKit
import StratusKit

extension IdentityQueries {
    static func domain(_ row: any SQLRow) throws -> DomainRecord {
        DomainRecord(
            id: try row.string("id"), name: try row.string("name"), enabled: try row.bool("enabled"),
            description: try row.optionalString("description"), extra: try row.extra())
    }

    func domain(id: String) async throws -> DomainRecord? {
        try await sql.select().columns("*").from("domains").where("id", .equal, id).first().map(Self.domain)
    }

    func domain(name: String) async throws -> DomainRecord? {
        try await sql.select().columns("*").from("domains").where("name", .equal, name).first().map(Self.domain)
    }

    func domains(ids: Set<String>) async throws -> [String: DomainRecord] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await sql.select().columns("*").from("domains").where("id", .in, Array(ids)).all()
        return Dictionary(try rows.map(Self.domain).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    func listDomains(name: String?, enabled: Bool?) async throws -> [DomainRecord] {
        var query = sql.select().columns("*").from("domains")
        if let name { query = query.where("name", .equal, name) }
        if let enabled { query = query.where("enabled", .equal, enabled) }
        return try await query.orderBy("name").all().map(Self.domain)
    }

    func insert(_ domain: DomainRecord) async throws {
        try await sql.insert(into: "domains")
            .columns("id", "name", "enabled", "description", "extra")
            .values(
                SQLBind(domain.id), SQLBind(domain.name), SQLBind(domain.enabled), SQLBind(domain.description),
                SQLBind(domain.extra.jsonText)
            ).run()
    }

    func update(_ domain: DomainRecord) async throws {
        try await sql.update("domains")
            .set("name", to: domain.name).set("enabled", to: domain.enabled)
            .set("description", to: domain.description).set("extra", to: domain.extra.jsonText)
            .where("id", .equal, domain.id).run()
    }
}
