import SQLKit
import StratusKit

/// A host aggregate with its hosts and metadata; its availability zone is the metadata
/// key `availability_zone`.
struct AggregateRecord: Sendable, Equatable {
    var id: Int64
    var uuid: String
    var name: String
    var hosts: [String]
    var metadata: [String: String]
    var createdAt: Timestamp
    var updatedAt: Timestamp?

    var availabilityZone: String? { metadata["availability_zone"] }
}

extension ComputeQueries {
    /// Every aggregate with its hosts and metadata, in order of id (three queries in all).
    func aggregates() async throws -> [AggregateRecord] {
        let rows = try await sql.select().columns("id", "uuid", "name", "created_at", "updated_at").from("aggregates")
            .orderBy("id").all()
        var hosts: [Int64: [String]] = [:]
        for row in try await sql.select().columns("aggregate_id", "host").from("aggregate_hosts").orderBy("host").all() {
            hosts[try row.decode(column: "aggregate_id", as: Int64.self), default: []].append(try row.string("host"))
        }
        var metadata: [Int64: [String: String]] = [:]
        for row in try await sql.select().columns("aggregate_id", "key", "value").from("aggregate_metadata").all() {
            metadata[try row.decode(column: "aggregate_id", as: Int64.self), default: [:]][try row.string("key")] =
                try row.string("value")
        }
        return try rows.map { row in
            let id = try row.decode(column: "id", as: Int64.self)
            return AggregateRecord(
                id: id, uuid: try row.string("uuid"), name: try row.string("name"), hosts: hosts[id] ?? [],
                metadata: metadata[id] ?? [:], createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0),
                updatedAt: try row.timestamp("updated_at"))
        }
    }

    func aggregate(id: Int64) async throws -> AggregateRecord? {
        try await aggregates().first { $0.id == id }
    }

    /// The aggregates each host belongs to, for the scheduler's filters (aggregate metadata,
    /// availability zones): one read of all aggregates, indexed by host.
    func aggregatesByHost() async throws -> [String: [AggregateRecord]] {
        var byHost: [String: [AggregateRecord]] = [:]
        for aggregate in try await aggregates() {
            for host in aggregate.hosts { byHost[host, default: []].append(aggregate) }
        }
        return byHost
    }

    func aggregateNameExists(_ name: String) async throws -> Bool {
        try await sql.select().column("id").from("aggregates").where("name", .equal, name).first() != nil
    }

    func insertAggregate(name: String, metadata: [String: String], at now: Timestamp = .now()) async throws -> AggregateRecord {
        let record = AggregateRecord(
            id: try await nextID("aggregates"), uuid: IDGenerator.uuid(), name: name, hosts: [], metadata: metadata,
            createdAt: now, updatedAt: nil)
        try await sql.insert(into: "aggregates").columns("id", "uuid", "name", "created_at")
            .values(SQLBind(record.id), SQLBind(record.uuid), SQLBind(name), SQLBind(now.microseconds)).run()
        try await setAggregateMetadata(metadata.mapValues { Optional($0) }, of: record.id)
        return record
    }

    func renameAggregate(_ id: Int64, to name: String) async throws {
        try await sql.update("aggregates").set("name", to: SQLBind(name)).where("id", .equal, id).run()
    }

    func touchAggregate(_ id: Int64, at now: Timestamp = .now()) async throws {
        try await sql.update("aggregates").set("updated_at", to: SQLBind(now.microseconds)).where("id", .equal, id).run()
    }

    /// Sets each key to its value, or removes it when the value is nil.
    func setAggregateMetadata(_ metadata: [String: String?], of id: Int64) async throws {
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            try await sql.delete(from: "aggregate_metadata").where("aggregate_id", .equal, id).where("key", .equal, key).run()
            if let value {
                try await sql.insert(into: "aggregate_metadata").columns("aggregate_id", "key", "value")
                    .values(SQLBind(id), SQLBind(key), SQLBind(value)).run()
            }
        }
    }

    func addAggregateHost(_ id: Int64, host: String) async throws {
        try await sql.insert(into: "aggregate_hosts").columns("aggregate_id", "host").values(SQLBind(id), SQLBind(host)).run()
    }

    func removeAggregateHost(_ id: Int64, host: String) async throws {
        try await sql.delete(from: "aggregate_hosts").where("aggregate_id", .equal, id).where("host", .equal, host).run()
    }

    func deleteAggregate(_ id: Int64) async throws {
        try await sql.delete(from: "aggregate_metadata").where("aggregate_id", .equal, id).run()
        try await sql.delete(from: "aggregate_hosts").where("aggregate_id", .equal, id).run()
        try await sql.delete(from: "aggregates").where("id", .equal, id).run()
    }

    /// How many live instances run on the hosts.
    func instanceCount(onHosts hosts: [String]) async throws -> Int {
        guard !hosts.isEmpty else { return 0 }
        return try await sql.select().column("uuid").from("instances").where("deleted", .equal, SQLBind(false))
            .where("host", .in, hosts).all().count
    }
}
