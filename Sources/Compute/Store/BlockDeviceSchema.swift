import SQLKit
import StratusKit

/// The servers' volumes (Nova's `block_device_mapping` for volume destinations): one row per
/// volume attached to (or being attached to) a server, with the Block Storage attachment
/// that holds it and the device the guest sees it as.
enum BlockDeviceSchema {
    static func create(_ sql: any SQLDatabase, _ kind: DatabaseKind) async throws {
        try await sql.create(table: "block_device_mappings")
            .column("uuid", type: .text, .primaryKey(autoIncrement: false))
            .column("instance_uuid", type: .text, .notNull)
            .column("volume_id", type: .text)
            .column("attachment_id", type: .text)
            .column("device_name", type: .text)
            .column("boot_index", type: .bigint)
            .column("delete_on_termination", type: .boolean, .notNull)
            .column("tag", type: .text)
            .column("source_type", type: .text, .notNull)
            .column("destination_type", type: .text, .notNull)
            .column("volume_size", type: .bigint)
            .column("image_id", type: .text)
            .column("snapshot_id", type: .text)
            .column("created_at", type: .bigint, .notNull)
            .run()
        try await sql.create(index: "block_device_mappings_instance").on("block_device_mappings").column("instance_uuid")
            .run()
        try await sql.create(index: "block_device_mappings_volume").on("block_device_mappings").column("volume_id").run()
    }
}
