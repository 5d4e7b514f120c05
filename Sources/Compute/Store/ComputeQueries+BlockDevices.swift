import SQLKit
import StratusKit

/// One volume of a server as Compute records it (Nova's `BlockDeviceMapping` with a volume
/// destination): the volume, the Block Storage attachment holding it, the guest's device.
struct BlockDeviceRecord: Sendable, Equatable {
    /// Nova's `bdm_uuid` (shown from 2.89).
    var uuid: String
    var instanceUUID: String
    var volumeID: String?
    /// Nil only until the volume of a boot-from-volume build exists and is reserved.
    var attachmentID: String?
    /// `/dev/vdb` …; `/dev/vda` for a volume the server boots from.
    var deviceName: String?
    /// 0 for the boot volume; nil for volumes attached later.
    var bootIndex: Int?
    var deleteOnTermination: Bool
    var tag: String?
    /// `volume` (an existing volume); `image`, `snapshot` or `blank`: a volume Compute makes.
    var sourceType: String
    var destinationType: String
    /// GiB, for a volume Compute makes.
    var volumeSize: Int64?
    var imageID: String?
    /// The snapshot a new volume is made from.
    var snapshotID: String? = nil
    var createdAt: Timestamp

    /// The server's root disk is this volume (it cannot be detached).
    var isRoot: Bool { bootIndex == 0 }
}

extension ComputeQueries {
    private static let blockDeviceColumns = [
        "uuid", "instance_uuid", "volume_id", "attachment_id", "device_name", "boot_index", "delete_on_termination", "tag",
        "source_type", "destination_type", "volume_size", "image_id", "snapshot_id", "created_at",
    ]

    private static func blockDevice(_ row: any SQLRow) throws -> BlockDeviceRecord {
        BlockDeviceRecord(
            uuid: try row.string("uuid"), instanceUUID: try row.string("instance_uuid"),
            volumeID: try row.optionalString("volume_id"), attachmentID: try row.optionalString("attachment_id"),
            deviceName: try row.optionalString("device_name"), bootIndex: try row.optionalInt64("boot_index").map { Int($0) },
            deleteOnTermination: try row.bool("delete_on_termination"), tag: try row.optionalString("tag"),
            sourceType: try row.string("source_type"), destinationType: try row.string("destination_type"),
            volumeSize: try row.optionalInt64("volume_size"), imageID: try row.optionalString("image_id"),
            snapshotID: try row.optionalString("snapshot_id"), createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0))
    }

    func insertBlockDevice(_ record: BlockDeviceRecord) async throws {
        try await sql.insert(into: "block_device_mappings").columns(Self.blockDeviceColumns).values(
            SQLBind(record.uuid), SQLBind(record.instanceUUID), SQLBind(record.volumeID), SQLBind(record.attachmentID),
            SQLBind(record.deviceName), SQLBind(record.bootIndex.map { Int64($0) }), SQLBind(record.deleteOnTermination),
            SQLBind(record.tag), SQLBind(record.sourceType), SQLBind(record.destinationType), SQLBind(record.volumeSize),
            SQLBind(record.imageID), SQLBind(record.snapshotID), SQLBind(record.createdAt.microseconds)
        ).run()
    }

    /// Rewrites the mutable parts of a mapping: its volume, attachment, device and flag.
    func updateBlockDevice(_ record: BlockDeviceRecord) async throws {
        try await sql.update("block_device_mappings")
            .set("volume_id", to: SQLBind(record.volumeID))
            .set("attachment_id", to: SQLBind(record.attachmentID))
            .set("device_name", to: SQLBind(record.deviceName))
            .set("delete_on_termination", to: SQLBind(record.deleteOnTermination))
            .where("uuid", .equal, record.uuid)
            .run()
    }

    /// The server's mappings, boot volume first, then in the order they were made.
    func blockDevices(instanceUUID: String) async throws -> [BlockDeviceRecord] {
        let rows = try await sql.select().columns(Self.blockDeviceColumns).from("block_device_mappings")
            .where("instance_uuid", .equal, instanceUUID).all()
        return try rows.map(Self.blockDevice).sorted(by: Self.attachOrder)
    }

    /// The mappings of many servers at once (server lists), by server.
    func blockDevices(instanceUUIDs: [String]) async throws -> [String: [BlockDeviceRecord]] {
        guard !instanceUUIDs.isEmpty else { return [:] }
        var found: [String: [BlockDeviceRecord]] = [:]
        for chunk in stride(from: 0, to: instanceUUIDs.count, by: 500).map({ Array(instanceUUIDs[$0..<min($0 + 500, instanceUUIDs.count)]) }) {
            let rows = try await sql.select().columns(Self.blockDeviceColumns).from("block_device_mappings")
                .where("instance_uuid", .in, chunk).all()
            for record in try rows.map(Self.blockDevice) { found[record.instanceUUID, default: []].append(record) }
        }
        return found.mapValues { $0.sorted(by: Self.attachOrder) }
    }

    /// The mappings of a volume, on whichever servers.
    func blockDevices(volumeID: String) async throws -> [BlockDeviceRecord] {
        try await sql.select().columns(Self.blockDeviceColumns).from("block_device_mappings")
            .where("volume_id", .equal, volumeID).all().map(Self.blockDevice)
    }

    func deleteBlockDevice(uuid: String) async throws {
        try await sql.delete(from: "block_device_mappings").where("uuid", .equal, uuid).run()
    }

    func deleteBlockDevices(instanceUUID: String) async throws {
        try await sql.delete(from: "block_device_mappings").where("instance_uuid", .equal, instanceUUID).run()
    }

    private static func attachOrder(_ a: BlockDeviceRecord, _ b: BlockDeviceRecord) -> Bool {
        let aBoot = a.bootIndex ?? Int.max
        let bBoot = b.bootIndex ?? Int.max
        if aBoot != bBoot { return aBoot < bBoot }
        if a.createdAt != b.createdAt { return a.createdAt < b.createdAt }
        return a.uuid < b.uuid
    }
}
