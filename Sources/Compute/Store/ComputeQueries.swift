import SQLKit
import StratusKit

/// The Compute store's queries on one connection (inside a transaction for writes).
struct ComputeQueries: Sendable {
    let sql: any SQLDatabase

    // MARK: Flavors

    private static let flavorColumns = [
        "id", "flavorid", "name", "memory_mb", "vcpus", "root_gb", "ephemeral_gb", "swap", "rxtx_factor", "is_public",
        "disabled", "description", "created_at",
    ]

    private static func flavor(_ row: any SQLRow) throws -> FlavorRecord {
        FlavorRecord(
            internalID: try row.decode(column: "id", as: Int64.self), flavorID: try row.string("flavorid"),
            name: try row.string("name"), memoryMB: try row.decode(column: "memory_mb", as: Int64.self),
            vcpus: try row.decode(column: "vcpus", as: Int64.self), rootGB: try row.decode(column: "root_gb", as: Int64.self),
            ephemeralGB: try row.decode(column: "ephemeral_gb", as: Int64.self),
            swapMB: try row.decode(column: "swap", as: Int64.self),
            rxtxFactor: try row.decode(column: "rxtx_factor", as: Double.self), isPublic: try row.bool("is_public"),
            disabled: try row.bool("disabled"), description: try row.optionalString("description"),
            createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0))
    }

    /// Every flavor with its extra specs (a flavor list is small: one query per kind of data).
    func flavors() async throws -> [FlavorRecord] {
        var flavors = try await sql.select().columns(Self.flavorColumns).from("flavors").all().map(Self.flavor)
        let specs = try await sql.select().columns("flavor_id", "key", "value").from("flavor_extra_specs").all()
        var byFlavor: [Int64: [String: String]] = [:]
        for row in specs {
            byFlavor[try row.decode(column: "flavor_id", as: Int64.self), default: [:]][try row.string("key")] =
                try row.string("value")
        }
        for index in flavors.indices { flavors[index].extraSpecs = byFlavor[flavors[index].internalID] ?? [:] }
        return flavors
    }

    func flavor(flavorID: String) async throws -> FlavorRecord? {
        guard var flavor = try await sql.select().columns(Self.flavorColumns).from("flavors")
            .where("flavorid", .equal, flavorID).first().map(Self.flavor)
        else { return nil }
        flavor.extraSpecs = try await extraSpecs(of: flavor.internalID)
        return flavor
    }

    func flavorNameExists(_ name: String) async throws -> Bool {
        try await sql.select().column("id").from("flavors").where("name", .equal, name).first() != nil
    }

    func nextFlavorInternalID() async throws -> Int64 { try await nextID("flavors") }

    func insert(_ flavor: FlavorRecord) async throws {
        try await sql.insert(into: "flavors").columns(Self.flavorColumns).values(
            SQLBind(flavor.internalID), SQLBind(flavor.flavorID), SQLBind(flavor.name), SQLBind(flavor.memoryMB),
            SQLBind(flavor.vcpus), SQLBind(flavor.rootGB), SQLBind(flavor.ephemeralGB), SQLBind(flavor.swapMB),
            SQLBind(flavor.rxtxFactor), SQLBind(flavor.isPublic), SQLBind(flavor.disabled), SQLBind(flavor.description),
            SQLBind(flavor.createdAt.microseconds)
        ).run()
        try await setExtraSpecs(flavor.extraSpecs, of: flavor.internalID)
    }

    func updateDescription(of internalID: Int64, to description: String?) async throws {
        try await sql.update("flavors").set("description", to: SQLBind(description))
            .set("updated_at", to: SQLBind(Timestamp.now().microseconds)).where("id", .equal, internalID).run()
    }

    /// Removes the flavor, its extra specs and its project access.
    func deleteFlavor(_ internalID: Int64) async throws {
        try await sql.delete(from: "flavor_extra_specs").where("flavor_id", .equal, internalID).run()
        try await sql.delete(from: "flavor_projects").where("flavor_id", .equal, internalID).run()
        try await sql.delete(from: "flavors").where("id", .equal, internalID).run()
    }

    // MARK: Extra specs

    func extraSpecs(of internalID: Int64) async throws -> [String: String] {
        var specs: [String: String] = [:]
        for row in try await sql.select().columns("key", "value").from("flavor_extra_specs")
            .where("flavor_id", .equal, internalID).all()
        {
            specs[try row.string("key")] = try row.string("value")
        }
        return specs
    }

    /// Creates or replaces each of `specs`, leaving the others.
    func setExtraSpecs(_ specs: [String: String], of internalID: Int64) async throws {
        for (key, value) in specs.sorted(by: { $0.key < $1.key }) {
            try await sql.delete(from: "flavor_extra_specs").where("flavor_id", .equal, internalID)
                .where("key", .equal, key).run()
            try await sql.insert(into: "flavor_extra_specs").columns("flavor_id", "key", "value")
                .values(SQLBind(internalID), SQLBind(key), SQLBind(value)).run()
        }
    }

    func deleteExtraSpec(_ key: String, of internalID: Int64) async throws {
        try await sql.delete(from: "flavor_extra_specs").where("flavor_id", .equal, internalID).where("key", .equal, key).run()
    }

    // MARK: Flavor access

    /// The projects granted a private flavor, in order of their ids.
    func accessProjects(of internalID: Int64) async throws -> [String] {
        try await sql.select().column("project_id").from("flavor_projects").where("flavor_id", .equal, internalID)
            .orderBy("project_id").all().map { try $0.string("project_id") }
    }

    /// The internal ids of the flavors a project was granted.
    func flavorsGranted(to projectID: String) async throws -> Set<Int64> {
        Set(
            try await sql.select().column("flavor_id").from("flavor_projects").where("project_id", .equal, projectID)
                .all().map { try $0.decode(column: "flavor_id", as: Int64.self) })
    }

    func addAccess(_ internalID: Int64, project: String) async throws {
        try await sql.insert(into: "flavor_projects").columns("flavor_id", "project_id")
            .values(SQLBind(internalID), SQLBind(project)).run()
    }

    func removeAccess(_ internalID: Int64, project: String) async throws {
        try await sql.delete(from: "flavor_projects").where("flavor_id", .equal, internalID)
            .where("project_id", .equal, project).run()
    }

    // MARK: Keypairs

    private static let keypairColumns = ["id", "user_id", "name", "type", "public_key", "fingerprint", "created_at"]

    private static func keypair(_ row: any SQLRow) throws -> KeypairRecord {
        KeypairRecord(
            id: try row.decode(column: "id", as: Int64.self), userID: try row.string("user_id"), name: try row.string("name"),
            type: try row.string("type"), publicKey: try row.string("public_key"),
            fingerprint: try row.string("fingerprint"), createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0))
    }

    /// A user's keypairs, by name.
    func keypairs(of userID: String) async throws -> [KeypairRecord] {
        try await sql.select().columns(Self.keypairColumns).from("key_pairs").where("user_id", .equal, userID)
            .orderBy("name").all().map(Self.keypair)
    }

    func keypair(named name: String, of userID: String) async throws -> KeypairRecord? {
        try await sql.select().columns(Self.keypairColumns).from("key_pairs").where("user_id", .equal, userID)
            .where("name", .equal, name).first().map(Self.keypair)
    }

    func nextKeypairID() async throws -> Int64 { try await nextID("key_pairs") }

    func insert(_ keypair: KeypairRecord) async throws {
        try await sql.insert(into: "key_pairs").columns(Self.keypairColumns).values(
            SQLBind(keypair.id), SQLBind(keypair.userID), SQLBind(keypair.name), SQLBind(keypair.type),
            SQLBind(keypair.publicKey), SQLBind(keypair.fingerprint), SQLBind(keypair.createdAt.microseconds)
        ).run()
    }

    func deleteKeypair(named name: String, of userID: String) async throws {
        try await sql.delete(from: "key_pairs").where("user_id", .equal, userID).where("name", .equal, name).run()
    }

    // MARK: Ids

    /// The next value of a counter. The update locks the counter's row until the
    /// transaction ends, so concurrent writers draw distinct values on PostgreSQL too.
    func nextID(_ counter: String) async throws -> Int64 { try await nextCounterValue(counter) }

    /// The next value of a named counter in `compute_id_counters`.
    func nextCounterValue(_ counter: String) async throws -> Int64 {
        try await sql.update("compute_id_counters")
            .set("value", to: SQLBinaryExpression(SQLIdentifier("value"), .add, SQLLiteral.numeric("1")))
            .where("name", .equal, counter).run()
        guard let row = try await sql.select().column("value").from("compute_id_counters").where("name", .equal, counter).first()
        else { throw APIError(.internalServerError, "The id counter \(counter) is missing.") }
        return try row.decode(column: "value", as: Int64.self)
    }

    // MARK: Bootstrap

    /// Records a first-start step; false when it was already done.
    func markBootstrapStep(_ step: String) async throws -> Bool {
        guard try await sql.select().column("step").from("compute_bootstrap").where("step", .equal, step).first() == nil
        else { return false }
        try await sql.insert(into: "compute_bootstrap").columns("step", "done_at")
            .values(SQLBind(step), SQLBind(Timestamp.now().microseconds)).run()
        return true
    }
}
