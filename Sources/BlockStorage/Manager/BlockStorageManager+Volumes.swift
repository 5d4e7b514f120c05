import Foundation
import StratusKit

/// A volume create request as the API read it.
struct VolumeCreateRequest: Sendable {
    var size: Int64?
    var name: String?
    var description: String?
    var volumeType: String?
    var availabilityZone: String?
    var snapshotID: String?
    var sourceVolumeID: String?
    var imageRef: String?
    var backupID: String?
    var metadata: [String: String] = [:]
}

/// Volumes: create (cast to the scheduler), show, list, update, delete (cast to the owning agent).
extension BlockStorageManager {
    func createVolume(_ request: VolumeCreateRequest, _ auth: AuthContext, requestID: String) async throws -> VolumeRecord {
        try policy.enforce(request.imageRef == nil ? "volume:create" : "volume:create_from_image", auth)
        let backends = try requireBackends()
        guard let projectID = auth.projectID else { throw BlockStorageErrors.policy("volume:create") }
        let type = try await volumeType(named: request.volumeType, auth)
        var size = request.size
        var availabilityZone = request.availabilityZone
        var sourceHost: String?
        var imageMetadata: [String: String] = [:]
        var bootable = false
        if let snapshotID = request.snapshotID {
            let snapshot = try await visibleSnapshot(snapshotID, auth)
            guard snapshot.status == "available" else {
                throw BlockStorageErrors.invalidSnapshot("Originating snapshot status must be one of 'available' values")
            }
            let source = try await read { try await $0.volume(id: snapshot.volumeID) }
            if let requested = size, requested < snapshot.size {
                throw BlockStorageErrors.invalidInput(
                    "Volume size '\(requested)'GB cannot be smaller than the snapshot size \(snapshot.size)GB. They must be >= original snapshot size.")
            }
            size = size ?? snapshot.size
            availabilityZone = availabilityZone ?? source?.availabilityZone
            sourceHost = source?.host
            imageMetadata = source?.imageMetadata ?? [:]
            bootable = source?.bootable ?? false
        } else if let sourceID = request.sourceVolumeID {
            let source = try await visibleVolume(sourceID, auth)
            guard source.status == VolumeStatus.available || source.status == VolumeStatus.inUse else {
                throw BlockStorageErrors.invalidVolume("Originating source volume status must be one of 'available, in-use' values")
            }
            if let requested = size, requested < source.size {
                throw BlockStorageErrors.invalidInput(
                    "Volume size '\(requested)'GB cannot be smaller than original volume size  \(source.size)GB. They must be >= original volume size.")
            }
            size = size ?? source.size
            availabilityZone = availabilityZone ?? source.availabilityZone
            sourceHost = source.host
            imageMetadata = source.imageMetadata
            bootable = source.bootable
        } else if let backupID = request.backupID {
            let backup = try await visibleBackup(backupID, auth)
            guard backup.status == BackupStatus.available else {
                throw BlockStorageErrors.invalidBackup("Backup status must be available")
            }
            if let requested = size, requested < backup.size {
                throw BlockStorageErrors.invalidInput(
                    "Volume size \(requested)GB cannot be smaller than the backup size \(backup.size)GB. It must be >= backup size.")
            }
            size = size ?? backup.size
        } else if let imageRef = request.imageRef {
            guard let size else {
                throw BlockStorageErrors.invalidInput("Volume size 'None' must be an integer and greater than 0")
            }
            imageMetadata = try await imageMetadataForVolume(imageRef, size: size, projectID: projectID, backends: backends)
            bootable = true
        }
        guard let size, size > 0 else {
            throw BlockStorageErrors.invalidInput(
                "Invalid volume size provided for create request: \(request.size.map(String.init) ?? "None") (size argument must be an integer (or string representation of an integer) and greater than zero).")
        }
        let zone = availabilityZone ?? settings.availabilityZone
        try await checkAvailabilityZone(zone)
        let now = Timestamp.now()
        let volume = VolumeRecord(
            id: UUID().uuidString.lowercased(), projectID: projectID, userID: auth.userID, name: request.name,
            description: request.description, size: size, status: VolumeStatus.creating, previousStatus: nil,
            attachStatus: "detached", migrationStatus: nil, availabilityZone: zone, volumeTypeID: type.id, host: nil,
            snapshotID: request.snapshotID, sourceVolumeID: request.sourceVolumeID, imageID: imageMetadata["image_id"],
            backupID: request.backupID, bootable: bootable,
            multiattach: Self.specIsTrue(type.extraSpecs["multiattach"]), readonly: false, consumesQuota: true,
            createdAt: now, updatedAt: nil, launchedAt: nil, metadata: request.metadata, imageMetadata: imageMetadata)
        try await write { queries in
            try await self.quotas.check(
                queries.sql, projectID: projectID, typeName: type.name, deltas: ["volumes": 1, "gigabytes": size])
            try await queries.insert(volume)
            if let backupID = request.backupID,
                !(try await queries.transitionBackup(
                    backupID, from: [BackupStatus.available], to: BackupStatus.restoring, also: ["restore_volume_id": volume.id]))
            {
                throw BlockStorageErrors.invalidBackup("Backup status must be available")
            }
        }
        var args: [String: JSONValue] = ["volume_id": .string(volume.id)]
        if let sourceHost { args["source_host"] = .string(sourceHost) }
        try await backends.bus.cast(
            VolumeRPC.scheduler, method: VolumeRPC.Method.createVolume, args: args,
            context: MessagingContext(auth: auth, requestID: requestID))
        return volume
    }

    /// The image's properties a volume made from it carries (`volume_image_metadata`), after
    /// Cinder's checks: the image exists for the project, is active, and fits the size.
    private func imageMetadataForVolume(
        _ imageRef: String, size: Int64, projectID: String, backends: BlockStorageBackends
    ) async throws -> [String: String] {
        let imageID = String(imageRef.split(separator: "/").last ?? Substring(imageRef))
        guard let image = try await backends.image.image(id: imageID),
            image.visibility == "public" || image.visibility == "community" || image.owner == projectID
        else { throw BlockStorageErrors.invalidInput("Image \(imageID) could not be found.") }
        guard image.status == "active" else { throw BlockStorageErrors.invalidInput("Image \(imageID) is not active.") }
        let gib: Int64 = 1 << 30
        if let bytes = image.size, (bytes + gib - 1) / gib > size {
            throw BlockStorageErrors.invalidInput(
                "Size of specified image \((bytes + gib - 1) / gib)GB is larger than volume size \(size)GB.")
        }
        if Int64(image.minDisk) > size {
            throw BlockStorageErrors.invalidInput(
                "Volume size \(size)GB cannot be smaller than the image minDisk size \(image.minDisk)GB.")
        }
        var metadata = image.properties
        metadata["image_id"] = image.id
        metadata["image_name"] = image.name
        if let format = image.diskFormat { metadata["disk_format"] = format }
        if let format = image.containerFormat { metadata["container_format"] = format }
        if let bytes = image.size { metadata["size"] = String(bytes) }
        metadata["min_disk"] = String(image.minDisk)
        metadata["min_ram"] = String(image.minRam)
        return metadata
    }

    /// The named type (by name or id) if the caller may use it, else the default type.
    func volumeType(named name: String?, _ auth: AuthContext) async throws -> VolumeTypeRecord {
        let wanted = name ?? settings.defaultVolumeType
        guard let type = try await read({ try await $0.volumeType(idOrName: wanted) }) else {
            throw BlockStorageErrors.notFound(
                name.map { "Volume type with name \($0) could not be found." } ?? "Default volume type can not be found.")
        }
        if !type.isPublic, !policy.isAdmin(auth) {
            let allowed = try await read { try await $0.typeIDs(accessibleTo: auth.projectID ?? "") }
            guard allowed.contains(type.id) else { throw BlockStorageErrors.volumeTypeNotFound(wanted) }
        }
        return type
    }

    /// The zones volumes can be created in: the configured one and every volume service's.
    func availabilityZones() async throws -> Set<String> {
        var zones: Set<String> = [settings.availabilityZone]
        for service in try await read({ try await $0.services() }) where service.binary == "cinder-volume" {
            zones.insert(service.availabilityZone)
        }
        return zones
    }

    private func checkAvailabilityZone(_ zone: String) async throws {
        guard try await availabilityZones().contains(zone) else {
            throw BlockStorageErrors.badRequest("Availability zone '\(zone)' is invalid.")
        }
    }

    /// Cinder's `<is> True` spec values (and plain `True`).
    static func specIsTrue(_ value: String?) -> Bool {
        guard let value else { return false }
        let words = value.split(separator: " ").map { $0.lowercased() }
        return words.last == "true" && (words.count == 1 || words.first == "<is>")
    }

    func volume(_ id: String, _ auth: AuthContext) async throws -> VolumeRecord {
        try await visibleVolume(id, auth)
    }

    func updateVolume(
        _ id: String, name: String??, description: String??, metadata: [String: String]?, _ auth: AuthContext
    ) async throws -> VolumeRecord {
        let volume = try await visibleVolume(id, auth, rule: "volume:update")
        return try await write { queries in
            var columns: [String: any Encodable & Sendable] = [:]
            if let name { columns["name"] = name }
            if let description { columns["description"] = description }
            try await queries.updateVolume(volume.id, columns)
            if let metadata { try await queries.replaceKeyValues("volume_metadata", owner: "volume_id", id: volume.id, metadata) }
            guard let updated = try await queries.volume(id: volume.id) else { throw BlockStorageErrors.volumeNotFound(id) }
            return updated
        }
    }

    /// Starts a delete: checks Cinder's rules, marks the volume (and with `cascade` its
    /// snapshots) deleting, and casts to the owning agent; a volume never placed on a back end
    /// is removed at once.
    func deleteVolume(_ id: String, cascade: Bool, force: Bool, _ auth: AuthContext, requestID: String) async throws {
        let volume = try await visibleVolume(id, auth, rule: "volume:delete")
        if force { try policy.enforce("volume_extension:volume_admin_actions:force_delete", auth, projectID: volume.projectID) }
        let removedNow: Bool = try await write { queries in
            guard let current = try await queries.volume(id: volume.id, forUpdate: true, kind: self.database.kind) else {
                throw BlockStorageErrors.volumeNotFound(id)
            }
            let snapshots = try await queries.snapshots(volumeID: current.id)
            let statusAllowed = force || VolumeStatus.deletable.contains(current.status)
            let snapshotsAllowed =
                snapshots.isEmpty || (cascade && snapshots.allSatisfy { ["available", "error"].contains($0.status) })
            let migrating = current.migrationStatus.map { !["deleting", "error", "success"].contains($0) } ?? false
            guard statusAllowed, current.attachStatus != "attached", snapshotsAllowed, !migrating else {
                let reason = force ? VolumeStatus.deleteRefusal.replacingOccurrences(
                    of: "Volume status must be available or error or error_restoring or error_extending or error_managing and", with: "Volume  ") : VolumeStatus.deleteRefusal
                throw BlockStorageErrors.invalidVolume(reason)
            }
            if current.host == nil {
                try await queries.deleteVolumeRow(current.id)
                return true
            }
            for snapshot in snapshots {
                try await queries.updateSnapshot(snapshot.id, ["status": "deleting"])
            }
            try await queries.updateVolume(current.id, ["status": VolumeStatus.deleting, "previous_status": current.status])
            return false
        }
        guard !removedNow, let serviceHost = volume.serviceHost else { return }
        try await requireBackends().bus.cast(
            VolumeRPC.volume(serviceHost: serviceHost), method: VolumeRPC.Method.deleteVolume,
            args: ["volume_id": .string(volume.id), "cascade": .bool(cascade)],
            context: MessagingContext(auth: auth, requestID: requestID))
    }
}
