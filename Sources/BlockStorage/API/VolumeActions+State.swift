import Hummingbird
import StratusKit

extension BlockStorageAPI {
    /// Volume actions: extend, retype, bootable, readonly flag, reset status, force delete, image metadata and upload to image.
    func stateVolumeActions() -> [String: VolumeActionHandler] {
        [
            "os-extend": { auth, id, value, context in
                let fields = try ActionBody.fields("os-extend", value, allowed: ["new_size"], required: ["new_size"])
                let newSize = try ActionBody.volumeSize(fields, "new_size")
                try await manager.extendVolume(
                    id, newSize: newSize, attachedAllowed: Self.version(context).isAtLeast(3, 42), auth,
                    requestID: context.requestID)
                return Self.accepted()
            },
            "os-retype": { auth, id, value, context in
                let fields = try ActionBody.fields(
                    "os-retype", value, allowed: ["new_type", "migration_policy"], required: ["new_type"])
                let newType = try ActionBody.string(fields, "new_type")
                let policyValue = fields.object["migration_policy"] ?? .null
                if !policyValue.isNull, policyValue.stringValue != "never", policyValue.stringValue != "on-demand" {
                    throw ActionBody.invalid(
                        "migration_policy", policyValue, "\(ActionBody.repr(policyValue)) is not one of ['on-demand', 'never']")
                }
                try await manager.retypeVolume(
                    id, newType: newType ?? "", migrationPolicy: policyValue.stringValue ?? "never", auth,
                    requestID: context.requestID)
                return Self.accepted()
            },
            "os-set_bootable": { auth, id, value, _ in
                let fields = try ActionBody.fields("os-set_bootable", value, allowed: ["bootable"], required: ["bootable"])
                try await manager.setBootable(id, try ActionBody.boolean(fields, "bootable") ?? false, auth)
                return Response(status: .ok)
            },
            "os-update_readonly_flag": { auth, id, value, _ in
                let fields = try ActionBody.fields(
                    "os-update_readonly_flag", value, allowed: ["readonly"], required: ["readonly"])
                try await manager.updateReadonlyFlag(id, try ActionBody.boolean(fields, "readonly") ?? false, auth)
                return Self.accepted()
            },
            "os-reset_status": { auth, id, value, _ in
                let fields = try ActionBody.fields(
                    "os-reset_status", value, allowed: ["status", "attach_status", "migration_status"], required: [])
                let status = try ActionBody.resetValue(fields, "status", format: "volume_status", allowed: VolumeStatus.all)
                let attachStatus = try ActionBody.resetValue(
                    fields, "attach_status", format: "volume_attach_status", allowed: ["attached", "detached"])
                let migrationStatus = try ActionBody.resetValue(
                    fields, "migration_status", format: "volume_migration_status",
                    allowed: ["migrating", "error", "success", "completing", "none", "starting"])
                guard status != nil || attachStatus != nil || migrationStatus != nil else {
                    throw ActionBody.invalid(
                        "os-reset_status", value, "\(ActionBody.repr(value)) is not a 'validate_volume_reset_body'")
                }
                try await manager.resetVolumeStatus(
                    id, status: status, attachStatus: attachStatus,
                    migrationStatus: migrationStatus.map { $0 == "none" ? nil : $0 }, auth)
                return Self.accepted()
            },
            "os-force_delete": { auth, id, _, context in
                let volume = try await manager.visibleVolume(id, auth)
                try policy.enforce("volume_extension:volume_admin_actions:force_delete", auth, projectID: volume.projectID)
                try await manager.deleteVolume(id, cascade: false, force: true, auth, requestID: context.requestID)
                return Self.accepted()
            },
            "os-show_image_metadata": { auth, id, _, _ in
                let metadata = try await manager.volumeImageMetadata(id, auth)
                return Self.respond(["metadata": .object(metadata.mapValues(JSONValue.string))])
            },
            "os-set_image_metadata": { auth, id, value, _ in
                let fields = try ActionBody.fields(
                    "os-set_image_metadata", value, allowed: ["metadata"], required: ["metadata"])
                let metadata = try ActionBody.metadata(fields.object["metadata"] ?? .null, name: "metadata", valueLimit: 65535)
                let all = try await manager.setVolumeImageMetadata(id, metadata, auth)
                return Self.respond(["metadata": .object(all.mapValues(JSONValue.string))])
            },
            "os-unset_image_metadata": { auth, id, value, _ in
                let fields = try ActionBody.fields("os-unset_image_metadata", value, allowed: ["key"], required: ["key"])
                let key = try ActionBody.string(fields, "key", minLength: 1) ?? ""
                try await manager.unsetVolumeImageMetadata(id, key: key, auth)
                return Response(status: .ok)
            },
            "os-volume_upload_image": { auth, id, value, context in
                try await uploadToImage(auth, id, value, context)
            },
        ]
    }

    /// `os-volume_upload_image`: 202 with Cinder's `os-volume_upload_image` body (the CLI reads
    /// its `volume_type`, an object or null).
    private func uploadToImage(_ auth: AuthContext, _ id: String, _ value: JSONValue, _ context: StratusRequestContext)
        async throws -> Response
    {
        let withVisibility = Self.version(context).isAtLeast(3, 1)
        var allowed: Set<String> = ["image_name", "force", "disk_format", "container_format"]
        if withVisibility { allowed.formUnion(["visibility", "protected"]) }
        let fields = try ActionBody.fields("os-volume_upload_image", value, allowed: allowed, required: ["image_name"])
        guard let imageName = try ActionBody.string(fields, "image_name", minLength: 1) else {
            throw ActionBody.invalid("image_name", .null, "None is not of type 'string'")
        }
        let diskFormat = try ActionBody.string(fields, "disk_format") ?? "raw"
        let diskFormats = ["raw", "vmdk", "vdi", "qcow2", "vhd", "vhdx", "ploop"]
        guard diskFormats.contains(diskFormat) else {
            throw ActionBody.invalid(
                "disk_format", .string(diskFormat),
                "'\(diskFormat)' is not one of [\(diskFormats.map { "'\($0)'" }.joined(separator: ", "))]")
        }
        var request = VolumeUploadRequest(
            imageName: imageName, force: try ActionBody.boolean(fields, "force") ?? false, diskFormat: diskFormat,
            containerFormat: try ActionBody.string(fields, "container_format", nullable: true) ?? "bare",
            visibility: "private", isProtected: false)
        if withVisibility {
            let visibility = try ActionBody.string(fields, "visibility") ?? "private"
            let visibilities = ["community", "public", "private", "shared"]
            guard visibilities.contains(visibility) else {
                throw ActionBody.invalid(
                    "visibility", .string(visibility),
                    "'\(visibility)' is not one of [\(visibilities.map { "'\($0)'" }.joined(separator: ", "))]")
            }
            request.visibility = visibility
            request.isProtected = try ActionBody.boolean(fields, "protected") ?? false
        }
        let started = try await manager.uploadVolumeToImage(id, request, auth, requestID: context.requestID)
        let volume = started.volume
        var body: [String: JSONValue] = [
            "id": .string(volume.id), "updated_at": volume.updatedAt.map { .string($0.iso8601NoZone) } ?? .null,
            "status": .string(volume.status), "display_description": volume.description.map(JSONValue.string) ?? .null,
            "size": .int(volume.size), "volume_type": started.volumeType.map { uploadTypeBody($0, auth) } ?? .null,
            "image_id": .string(started.image.id),
            "container_format": .string(started.image.containerFormat ?? request.containerFormat),
            "disk_format": .string(started.image.diskFormat ?? request.diskFormat), "image_name": .string(started.image.name),
        ]
        body["protected"] = .bool(request.isProtected)
        body["visibility"] = .string(started.image.visibility)
        return Self.respond(["os-volume_upload_image": .object(body)], status: .accepted)
    }

    /// The volume type as Cinder's upload answer embeds it (the type object's fields).
    private func uploadTypeBody(_ type: VolumeTypeRecord, _ auth: AuthContext) -> JSONValue {
        [
            "id": .string(type.id), "name": .string(type.name), "description": type.description.map(JSONValue.string) ?? .null,
            "is_public": .bool(type.isPublic), "extra_specs": .object(visibleSpecs(type, auth).mapValues(JSONValue.string)),
            "qos_specs_id": type.qosSpecsID.map(JSONValue.string) ?? .null,
            "created_at": .string(type.createdAt.iso8601NoZone),
            "updated_at": type.updatedAt.map { .string($0.iso8601NoZone) } ?? .null, "deleted": false, "deleted_at": .null,
        ]
    }
}
