import SQLKit
import StratusKit

/// The Compute tables. Flavors carry an internal numeric id (the order of creation, used
/// to break sort ties) besides the public `flavorid`; keypairs a numeric id too, both drawn
/// from `compute_id_counters`; times are BIGINT microseconds. Later migrations live in
/// one file per group of tables.
enum ComputeSchema {
    static let migrations: [Migration] = [
        Migration("001_flavors_keypairs") { sql, _ in
            try await sql.create(table: "flavors")
                .column("id", type: .bigint, .primaryKey(autoIncrement: false))
                .column("flavorid", type: .text, .notNull, .unique)
                .column("name", type: .text, .notNull, .unique)
                .column("memory_mb", type: .bigint, .notNull)
                .column("vcpus", type: .bigint, .notNull)
                .column("root_gb", type: .bigint, .notNull)
                .column("ephemeral_gb", type: .bigint, .notNull)
                .column("swap", type: .bigint, .notNull)
                .column("rxtx_factor", type: .custom(SQLRaw("DOUBLE PRECISION")), .notNull)
                .column("is_public", type: .boolean, .notNull)
                .column("disabled", type: .boolean, .notNull)
                .column("description", type: .text)
                .column("created_at", type: .bigint, .notNull)
                .column("updated_at", type: .bigint)
                .run()
            try await sql.create(table: "flavor_extra_specs")
                .column("flavor_id", type: .bigint, .notNull)
                .column("key", type: .text, .notNull)
                .column("value", type: .text, .notNull)
                .primaryKey("flavor_id", "key")
                .run()
            try await sql.create(table: "flavor_projects")
                .column("flavor_id", type: .bigint, .notNull)
                .column("project_id", type: .text, .notNull)
                .primaryKey("flavor_id", "project_id")
                .run()
            try await sql.create(index: "flavor_projects_project").on("flavor_projects").column("project_id").run()
            try await sql.create(table: "key_pairs")
                .column("id", type: .bigint, .primaryKey(autoIncrement: false))
                .column("user_id", type: .text, .notNull)
                .column("name", type: .text, .notNull)
                .column("type", type: .text, .notNull)
                .column("public_key", type: .text, .notNull)
                .column("fingerprint", type: .text, .notNull)
                .column("created_at", type: .bigint, .notNull)
                .unique("user_id", "name")
                .run()
            try await sql.create(table: "compute_id_counters")
                .column("name", type: .text, .primaryKey(autoIncrement: false))
                .column("value", type: .bigint, .notNull)
                .run()
            for counter in ["flavors", "key_pairs"] {
                try await sql.insert(into: "compute_id_counters").columns("name", "value")
                    .values(SQLBind(counter), SQLBind(Int64(0))).run()
            }
            try await sql.create(table: "compute_bootstrap")
                .column("step", type: .text, .primaryKey(autoIncrement: false))
                .column("done_at", type: .bigint, .notNull)
                .run()
        },
        Migration("002_instances_services_nodes", apply: InstanceSchema.create),
        Migration("003_aggregates_groups_quotas_migrations", apply: AdminSchema.create),
        Migration("004_instance_passwords", apply: MetadataSchema.create),
        Migration("005_console_auth_tokens", apply: ConsoleTokenSchema.create),
        // Each agent looks up the migrations leaving its host at every heartbeat.
        Migration("006_migrations_source_index") { sql, _ in
            try await sql.create(index: "migrations_source_compute").on("migrations").column("source_compute").run()
        },
        Migration("007_block_device_mappings", apply: BlockDeviceSchema.create),
    ]
}
