import SQLKit
import StratusKit

/// The Placement store's queries on one connection (inside a transaction for writes).
/// Everything that reads about many providers does so with one query per kind of data,
/// never one per provider.
struct PlacementQueries: Sendable {
    let sql: any SQLDatabase
    let kind: DatabaseKind

    // MARK: Providers

    private static let providerColumns = ["uuid", "name", "generation", "parent_uuid", "root_uuid", "created_at", "updated_at"]

    private static func provider(_ row: any SQLRow) throws -> ProviderRecord {
        ProviderRecord(
            uuid: try row.string("uuid"), name: try row.string("name"), generation: try row.optionalInt64("generation") ?? 0,
            parentUUID: try row.optionalString("parent_uuid"), rootUUID: try row.string("root_uuid"),
            createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0),
            updatedAt: try row.timestamp("updated_at") ?? Timestamp(microseconds: 0))
    }

    func provider(uuid: String) async throws -> ProviderRecord? {
        try await sql.select().columns(Self.providerColumns).from("resource_providers").where("uuid", .equal, uuid)
            .first().map(Self.provider)
    }

    func provider(named name: String) async throws -> ProviderRecord? {
        try await sql.select().columns(Self.providerColumns).from("resource_providers").where("name", .equal, name)
            .first().map(Self.provider)
    }

    /// Every provider, or those with the given uuids, ordered by creation.
    func providers(uuids: [String]? = nil) async throws -> [ProviderRecord] {
        var query = sql.select().columns(Self.providerColumns).from("resource_providers")
        if let uuids {
            guard !uuids.isEmpty else { return [] }
            query = query.where("uuid", .in, uuids)
        }
        return try await query.orderBy("created_at").orderBy("uuid").all().map(Self.provider)
    }

    func providers(inTree root: String) async throws -> [ProviderRecord] {
        try await sql.select().columns(Self.providerColumns).from("resource_providers").where("root_uuid", .equal, root)
            .all().map(Self.provider)
    }

    func childCount(of uuid: String) async throws -> Int {
        try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("resource_providers")
            .where("parent_uuid", .equal, uuid).first()?.int("n") ?? 0
    }

    func insert(_ provider: ProviderRecord) async throws {
        try await sql.insert(into: "resource_providers").columns(Self.providerColumns).values(
            SQLBind(provider.uuid), SQLBind(provider.name), SQLBind(provider.generation), SQLBind(provider.parentUUID),
            SQLBind(provider.rootUUID), SQLBind(provider.createdAt.microseconds), SQLBind(provider.updatedAt.microseconds)
        ).run()
    }

    func update(_ provider: ProviderRecord) async throws {
        try await sql.update("resource_providers")
            .set("name", to: SQLBind(provider.name)).set("generation", to: SQLBind(provider.generation))
            .set("parent_uuid", to: SQLBind(provider.parentUUID)).set("root_uuid", to: SQLBind(provider.rootUUID))
            .set("updated_at", to: SQLBind(provider.updatedAt.microseconds))
            .where("uuid", .equal, provider.uuid).run()
    }

    /// Moves every provider of the tree rooted at `oldRoot` whose uuid is in `uuids` to `newRoot`.
    func setRoot(_ newRoot: String, of uuids: [String]) async throws {
        guard !uuids.isEmpty else { return }
        try await sql.update("resource_providers").set("root_uuid", to: SQLBind(newRoot)).where("uuid", .in, uuids).run()
    }

    /// Adds one to the generation of each provider (a change to its inventory, traits,
    /// aggregates or allocations).
    func bumpGenerations(_ uuids: [String]) async throws {
        guard !uuids.isEmpty else { return }
        try await sql.update("resource_providers")
            .set("generation", to: SQLBinaryExpression(SQLIdentifier("generation"), .add, SQLLiteral.numeric("1")))
            .set("updated_at", to: SQLBind(Timestamp.now().microseconds))
            .where("uuid", .in, uuids).run()
    }

    func deleteProvider(_ uuid: String) async throws {
        for table in ["inventories", "provider_traits", "provider_aggregates"] {
            try await sql.delete(from: table).where("provider_uuid", .equal, uuid).run()
        }
        try await sql.delete(from: "resource_providers").where("uuid", .equal, uuid).run()
    }

    /// Locks the providers' rows until the transaction ends (PostgreSQL; SQLite's writes are
    /// already serialized), in a fixed order so two writers cannot deadlock. Capacity checks
    /// and generation checks that follow see no concurrent change.
    func lockProviders(_ uuids: Set<String>) async throws {
        guard kind == .postgres, !uuids.isEmpty else { return }
        try await sql.raw(
            "SELECT uuid FROM resource_providers WHERE uuid IN (\(binds: uuids.sorted())) ORDER BY uuid FOR UPDATE"
        ).run()
    }

    // MARK: Inventories

    private static let inventoryColumns = [
        "provider_uuid", "resource_class", "total", "reserved", "min_unit", "max_unit", "step_size", "allocation_ratio",
    ]

    /// Inventories by provider and resource class; all providers' when `providers` is nil.
    func inventories(of providers: [String]?) async throws -> [String: [String: InventoryRecord]] {
        var query = sql.select().columns(Self.inventoryColumns).from("inventories")
        if let providers {
            guard !providers.isEmpty else { return [:] }
            query = query.where("provider_uuid", .in, providers)
        }
        var result: [String: [String: InventoryRecord]] = [:]
        for row in try await query.all() {
            let inventory = InventoryRecord(
                total: try row.decode(column: "total", as: Int64.self), reserved: try row.decode(column: "reserved", as: Int64.self),
                minUnit: try row.decode(column: "min_unit", as: Int64.self), maxUnit: try row.decode(column: "max_unit", as: Int64.self),
                stepSize: try row.decode(column: "step_size", as: Int64.self),
                allocationRatio: try row.decode(column: "allocation_ratio", as: Double.self))
            result[try row.string("provider_uuid"), default: [:]][try row.string("resource_class")] = inventory
        }
        return result
    }

    func replaceInventories(of provider: String, with inventories: [String: InventoryRecord]) async throws {
        try await sql.delete(from: "inventories").where("provider_uuid", .equal, provider).run()
        guard !inventories.isEmpty else { return }
        var insert = sql.insert(into: "inventories").columns(Self.inventoryColumns)
        for (resourceClass, inventory) in inventories.sorted(by: { $0.key < $1.key }) {
            insert = insert.values(
                SQLBind(provider), SQLBind(resourceClass), SQLBind(inventory.total), SQLBind(inventory.reserved),
                SQLBind(inventory.minUnit), SQLBind(inventory.maxUnit), SQLBind(inventory.stepSize),
                SQLBind(inventory.allocationRatio))
        }
        try await insert.run()
    }

    /// Whether any provider has inventory of the class.
    func inventoryExists(resourceClass: String) async throws -> Bool {
        try await sql.select().column("provider_uuid").from("inventories").where("resource_class", .equal, resourceClass)
            .limit(1).first() != nil
    }

    // MARK: Usage

    /// The amounts allocated, by provider and resource class; all providers' when nil.
    /// (Sums are cast back to BIGINT: PostgreSQL sums BIGINTs as NUMERIC.)
    func usages(of providers: [String]?) async throws -> [String: [String: Int64]] {
        var query = sql.select().column("provider_uuid").column("resource_class")
            .column(SQLRaw("CAST(SUM(used) AS BIGINT)"), as: "total_used").from("allocations")
        if let providers {
            guard !providers.isEmpty else { return [:] }
            query = query.where("provider_uuid", .in, providers)
        }
        var result: [String: [String: Int64]] = [:]
        for row in try await query.groupBy("provider_uuid").groupBy("resource_class").all() {
            result[try row.string("provider_uuid"), default: [:]][try row.string("resource_class")] =
                try row.decode(column: "total_used", as: Int64.self)
        }
        return result
    }

    func allocationExists(provider: String, resourceClass: String? = nil) async throws -> Bool {
        var query = sql.select().column("consumer_uuid").from("allocations").where("provider_uuid", .equal, provider)
        if let resourceClass { query = query.where("resource_class", .equal, resourceClass) }
        return try await query.limit(1).first() != nil
    }

    /// Usage summed per consumer type and class, with the number of consumers per type, for a
    /// project (and optionally one user of it).
    func totalUsages(projectID: String, userID: String?, consumerType: String?) async throws
        -> [(consumerType: String?, resourceClass: String, used: Int64, consumers: Int)]
    {
        var query = sql.select().column(SQLColumn("consumer_type", table: "consumers"), as: "consumer_type")
            .column(SQLColumn("resource_class", table: "allocations"), as: "resource_class")
            .column(SQLRaw("CAST(SUM(allocations.used) AS BIGINT)"), as: "total_used")
            .column(SQLFunction("COUNT", args: SQLDistinct(SQLColumn("uuid", table: "consumers"))), as: "consumer_count")
            .from("allocations")
            .join("consumers", on: SQLColumn("consumer_uuid", table: "allocations"), .equal, SQLColumn("uuid", table: "consumers"))
            .where(SQLColumn("project_id", table: "consumers"), .equal, SQLBind(projectID))
        if let userID { query = query.where(SQLColumn("user_id", table: "consumers"), .equal, SQLBind(userID)) }
        if let consumerType {
            if consumerType == "unknown" {
                query = query.where(SQLColumn("consumer_type", table: "consumers"), .is, SQLLiteral.null)
            } else {
                query = query.where(SQLColumn("consumer_type", table: "consumers"), .equal, SQLBind(consumerType))
            }
        }
        return try await query.groupBy(SQLColumn("consumer_type", table: "consumers"))
            .groupBy(SQLColumn("resource_class", table: "allocations")).all().map { row in
                (
                    try row.optionalString("consumer_type"), try row.string("resource_class"),
                    try row.decode(column: "total_used", as: Int64.self), try row.int("consumer_count")
                )
            }
    }

    /// Consumers of a project (and user), by type: counted whether or not a class is asked.
    func consumerCounts(projectID: String, userID: String?) async throws -> [String?: Int] {
        var query = sql.select().column("consumer_type").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("consumers").where("project_id", .equal, projectID)
        if let userID { query = query.where("user_id", .equal, userID) }
        var result: [String?: Int] = [:]
        for row in try await query.groupBy("consumer_type").all() {
            result[try row.optionalString("consumer_type")] = try row.int("n")
        }
        return result
    }

    // MARK: Allocations and consumers

    private static func allocation(_ row: any SQLRow) throws -> AllocationRecord {
        AllocationRecord(
            consumerUUID: try row.string("consumer_uuid"), providerUUID: try row.string("provider_uuid"),
            resourceClass: try row.string("resource_class"), used: try row.decode(column: "used", as: Int64.self))
    }

    func allocations(consumers: [String]) async throws -> [AllocationRecord] {
        guard !consumers.isEmpty else { return [] }
        return try await sql.select().columns("consumer_uuid", "provider_uuid", "resource_class", "used").from("allocations")
            .where("consumer_uuid", .in, consumers).orderBy("provider_uuid").orderBy("resource_class").all()
            .map(Self.allocation)
    }

    func allocations(provider: String) async throws -> [AllocationRecord] {
        try await sql.select().columns("consumer_uuid", "provider_uuid", "resource_class", "used").from("allocations")
            .where("provider_uuid", .equal, provider).orderBy("consumer_uuid").orderBy("resource_class").all()
            .map(Self.allocation)
    }

    func replaceAllocations(consumer: String, with allocations: [AllocationRecord]) async throws {
        try await sql.delete(from: "allocations").where("consumer_uuid", .equal, consumer).run()
        guard !allocations.isEmpty else { return }
        var insert = sql.insert(into: "allocations").columns("consumer_uuid", "provider_uuid", "resource_class", "used")
        for allocation in allocations {
            insert = insert.values(
                SQLBind(consumer), SQLBind(allocation.providerUUID), SQLBind(allocation.resourceClass), SQLBind(allocation.used))
        }
        try await insert.run()
    }

    func consumer(_ uuid: String) async throws -> ConsumerRecord? {
        try await sql.select().columns("uuid", "project_id", "user_id", "generation", "consumer_type").from("consumers")
            .where("uuid", .equal, uuid).first().map { row in
                ConsumerRecord(
                    uuid: try row.string("uuid"), projectID: try row.string("project_id"), userID: try row.string("user_id"),
                    generation: try row.optionalInt64("generation") ?? 0, consumerType: try row.optionalString("consumer_type"))
            }
    }

    /// Locks a consumer's row for the rest of the transaction (PostgreSQL).
    func lockConsumer(_ uuid: String) async throws {
        guard kind == .postgres else { return }
        try await sql.raw("SELECT uuid FROM consumers WHERE uuid = \(bind: uuid) FOR UPDATE").run()
    }

    func save(_ consumer: ConsumerRecord, exists: Bool) async throws {
        let now = Timestamp.now().microseconds
        if exists {
            try await sql.update("consumers").set("project_id", to: SQLBind(consumer.projectID))
                .set("user_id", to: SQLBind(consumer.userID)).set("generation", to: SQLBind(consumer.generation))
                .set("consumer_type", to: SQLBind(consumer.consumerType)).set("updated_at", to: SQLBind(now))
                .where("uuid", .equal, consumer.uuid).run()
        } else {
            try await sql.insert(into: "consumers")
                .columns("uuid", "project_id", "user_id", "generation", "consumer_type", "created_at", "updated_at")
                .values(
                    SQLBind(consumer.uuid), SQLBind(consumer.projectID), SQLBind(consumer.userID), SQLBind(consumer.generation),
                    SQLBind(consumer.consumerType), SQLBind(now), SQLBind(now)
                ).run()
        }
    }

    func deleteConsumer(_ uuid: String) async throws {
        try await sql.delete(from: "consumers").where("uuid", .equal, uuid).run()
    }

    // MARK: Traits, aggregates, custom classes

    /// Traits by provider; all providers' when nil.
    func traits(of providers: [String]?) async throws -> [String: Set<String>] {
        var query = sql.select().columns("provider_uuid", "trait").from("provider_traits")
        if let providers {
            guard !providers.isEmpty else { return [:] }
            query = query.where("provider_uuid", .in, providers)
        }
        var result: [String: Set<String>] = [:]
        for row in try await query.all() { result[try row.string("provider_uuid"), default: []].insert(try row.string("trait")) }
        return result
    }

    func setTraits(of provider: String, _ traits: Set<String>) async throws {
        try await sql.delete(from: "provider_traits").where("provider_uuid", .equal, provider).run()
        guard !traits.isEmpty else { return }
        var insert = sql.insert(into: "provider_traits").columns("provider_uuid", "trait")
        for trait in traits.sorted() { insert = insert.values(SQLBind(provider), SQLBind(trait)) }
        try await insert.run()
    }

    func traitInUse(_ trait: String) async throws -> Bool {
        try await sql.select().column("provider_uuid").from("provider_traits").where("trait", .equal, trait).limit(1).first() != nil
    }

    /// Every trait some provider has.
    func associatedTraits() async throws -> Set<String> {
        Set(try await sql.select().distinct().column("trait").from("provider_traits").all().map { try $0.string("trait") })
    }

    /// Aggregates by provider; all providers' when nil.
    func aggregates(of providers: [String]?) async throws -> [String: Set<String>] {
        var query = sql.select().columns("provider_uuid", "aggregate_uuid").from("provider_aggregates")
        if let providers {
            guard !providers.isEmpty else { return [:] }
            query = query.where("provider_uuid", .in, providers)
        }
        var result: [String: Set<String>] = [:]
        for row in try await query.all() {
            result[try row.string("provider_uuid"), default: []].insert(try row.string("aggregate_uuid"))
        }
        return result
    }

    func setAggregates(of provider: String, _ aggregates: Set<String>) async throws {
        try await sql.delete(from: "provider_aggregates").where("provider_uuid", .equal, provider).run()
        guard !aggregates.isEmpty else { return }
        var insert = sql.insert(into: "provider_aggregates").columns("provider_uuid", "aggregate_uuid")
        for aggregate in aggregates.sorted() { insert = insert.values(SQLBind(provider), SQLBind(aggregate)) }
        try await insert.run()
    }

    func customNames(_ table: String) async throws -> [String] {
        try await sql.select().column("name").from(table).orderBy("created_at").orderBy("name").all().map { try $0.string("name") }
    }

    func customNameExists(_ table: String, _ name: String) async throws -> Bool {
        try await sql.select().column("name").from(table).where("name", .equal, name).first() != nil
    }

    func insertCustomName(_ table: String, _ name: String) async throws {
        try await sql.insert(into: table).columns("name", "created_at")
            .values(SQLBind(name), SQLBind(Timestamp.now().microseconds)).run()
    }

    func deleteCustomName(_ table: String, _ name: String) async throws {
        try await sql.delete(from: table).where("name", .equal, name).run()
    }
}
