import Foundation
import StratusKit

/// Volume bodies as the Cinder v3 API reference shapes them, per microversion and per
/// what the caller may see (host and migration attributes for admins).
struct VolumeWire: Sendable {
    let publicURL: String
    let version: Microversion
    let isAdmin: Bool
    /// Type id → name, for the `volume_type` field.
    let typeNames: [String: String]

    func links(_ volume: VolumeRecord) -> JSONValue {
        [
            ["rel": "self", "href": .string("\(publicURL)/v3/\(volume.projectID)/volumes/\(volume.id)")],
            ["rel": "bookmark", "href": .string("\(publicURL)/\(volume.projectID)/volumes/\(volume.id)")],
        ]
    }

    func summary(_ volume: VolumeRecord) -> JSONValue {
        ["id": .string(volume.id), "name": volume.name.map(JSONValue.string) ?? .null, "links": links(volume)]
    }

    /// The detail view; `created` is the smaller body a create answers with (no extension attributes).
    func detail(_ volume: VolumeRecord, created: Bool = false) -> JSONValue {
        var body: [String: JSONValue] = [
            "id": .string(volume.id), "name": volume.name.map(JSONValue.string) ?? .null,
            "description": volume.description.map(JSONValue.string) ?? .null, "size": .int(volume.size),
            "status": .string(volume.status), "availability_zone": .string(volume.availabilityZone),
            "created_at": .string(volume.createdAt.iso8601NoZone),
            "updated_at": volume.updatedAt.map { .string($0.iso8601NoZone) } ?? .null,
            "volume_type": typeNames[volume.volumeTypeID].map(JSONValue.string) ?? .null,
            "snapshot_id": volume.snapshotID.map(JSONValue.string) ?? .null,
            "source_volid": volume.sourceVolumeID.map(JSONValue.string) ?? .null,
            "metadata": .object(metadata(volume)), "links": links(volume), "user_id": .string(volume.userID),
            "bootable": .string(volume.bootable ? "true" : "false"), "encrypted": false, "replication_status": .null,
            "consistencygroup_id": .null, "multiattach": .bool(volume.multiattach),
            "attachments": .array(volume.attachments.filter { $0.attachStatus == "attached" }.map(attachment)),
        ]
        if !created {
            body["os-vol-tenant-attr:tenant_id"] = .string(volume.projectID)
            if isAdmin {
                body["os-vol-host-attr:host"] = volume.host.map(JSONValue.string) ?? .null
                body["os-vol-mig-status-attr:migstat"] = volume.migrationStatus.map(JSONValue.string) ?? .null
                body["os-vol-mig-status-attr:name_id"] = .null
                body["migration_status"] = volume.migrationStatus.map(JSONValue.string) ?? .null
            }
            if !volume.imageMetadata.isEmpty {
                body["volume_image_metadata"] = .object(volume.imageMetadata.mapValues(JSONValue.string))
            }
        }
        if version.isAtLeast(3, 13) { body["group_id"] = .null }
        if version.isAtLeast(3, 21), isAdmin { body["provider_id"] = .null }
        if version.isAtLeast(3, 48) {
            body["service_uuid"] = volume.serviceHost.map { .string(Self.serviceUUID($0)) } ?? .null
            body["shared_targets"] = false
        }
        if version.isAtLeast(3, 61), isAdmin { body["cluster_name"] = .null }
        if version.isAtLeast(3, 63) { body["volume_type_id"] = .string(volume.volumeTypeID) }
        if version.isAtLeast(3, 65) { body["consumes_quota"] = .bool(volume.consumesQuota) }
        return .object(body)
    }

    /// User metadata plus the admin metadata Cinder shows there (`readonly`, `attached_mode`).
    private func metadata(_ volume: VolumeRecord) -> [String: JSONValue] {
        var metadata = volume.metadata.mapValues(JSONValue.string)
        if volume.readonly { metadata["readonly"] = "True" }
        if let mode = volume.attachments.first(where: { $0.attachStatus == "attached" })?.attachMode {
            metadata["attached_mode"] = .string(mode)
        }
        return metadata
    }

    /// One entry of a volume's `attachments`.
    private func attachment(_ attachment: AttachmentRecord) -> JSONValue {
        [
            "id": .string(attachment.volumeID), "attachment_id": .string(attachment.id),
            "volume_id": .string(attachment.volumeID),
            "server_id": attachment.instanceUUID.map(JSONValue.string) ?? .null,
            "host_name": isAdmin ? attachment.attachedHost.map(JSONValue.string) ?? .null : .null,
            "device": attachment.mountpoint.map(JSONValue.string) ?? .null,
            "attached_at": attachment.attachTime.map { .string($0.iso8601NoZone) } ?? .null,
        ]
    }

    /// A stable uuid-shaped id of a volume service (`service_uuid`), derived from its host.
    static func serviceUUID(_ serviceHost: String) -> String {
        var hash: UInt64 = 14_695_981_039_346_656_037
        var second: UInt64 = 1_099_511_628_211
        for byte in serviceHost.utf8 {
            hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211
            second = (second &+ UInt64(byte)) &* 6_364_136_223_846_793_005
        }
        let hex = String(format: "%016llx%016llx", hash, second)
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }
}
