import SQLKit
import StratusKit

/// The table the metadata service keeps: the password a guest posts once to
/// `/openstack/latest/password` (Nova keeps it in the instance's system metadata).
enum MetadataSchema {
    static func create(_ sql: any SQLDatabase, _ kind: DatabaseKind) async throws {
        try await sql.create(table: "instance_passwords")
            .column("instance_uuid", type: .text, .primaryKey(autoIncrement: false))
            .column("password", type: .text, .notNull)
            .column("created_at", type: .bigint, .notNull)
            .run()
    }
}
