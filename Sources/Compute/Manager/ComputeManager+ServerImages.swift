import ServiceClients
import Foundation
import StratusKit

/// The actions that make or use images: createImage, createBackup, rebuild and shelve.
/// The API creates the Glance image record (so the caller gets its id at once); the host's
/// agent uploads the guest's disk into it.
extension ComputeManager {
    /// `createImage` / `createBackup`: a queued image owned by the server's project, then
    /// the snapshot cast to the host. Returns the image id.
    func snapshotServer(
        _ uuid: String, name: String, metadata: [String: String], backup: (type: String, rotation: Int)?,
        _ auth: AuthContext, requestID: String
    ) async throws -> String {
        let backends = try requireBackends()
        let key = backup == nil ? "snapshot" : "backup"
        guard let rule = ServerActionRule.all[key] else { throw ComputeErrors.badRequest("Unknown action \(key)") }
        let instance = try await visibleServer(uuid, auth, rule: rule.policyRule)
        try Self.checkNotLocked(instance, isAdmin: policy.isAdmin(auth))
        try Self.checkState(instance, rule)
        if instance.request.volumeBacked == true {
            // Nova snapshots the boot volume through Block Storage; this cloud does not yet.
            throw ComputeErrors.badRequest(
                backup == nil
                    ? "Snapshots of volume-backed servers are not supported by this cloud yet."
                    : "Backup is not supported for volume-backed instances.")
        }
        var properties = instance.imageProperties.filter { !Self.imageCoreKeys.contains($0.key) }
        properties.merge(metadata) { _, new in new }
        properties["instance_uuid"] = instance.uuid
        properties["user_id"] = instance.userID
        properties["base_image_ref"] = instance.imageRef
        properties["image_type"] = backup == nil ? "snapshot" : "backup"
        if let backup { properties["backup_type"] = backup.type }
        let image = try await createImageRecord(
            name: name, instance: instance, properties: properties, backends: backends)
        var args: [String: JSONValue] = ["image_id": .string(image.id)]
        if let backup {
            args["backup_type"] = .string(backup.type)
            args["rotation"] = .int(Int64(backup.rotation))
        }
        do {
            try await startServerAction(uuid, key, args: args, auth, requestID: requestID)
        } catch {
            try? await backends.image.deleteImage(id: image.id)
            throw error
        }
        return image.id
    }

    /// `shelve`: the disk goes to a `<name>-shelved` image, then the host lets the server go.
    func shelveServer(_ uuid: String, _ auth: AuthContext, requestID: String) async throws {
        let backends = try requireBackends()
        guard let rule = ServerActionRule.all["shelve"] else { return }
        let instance = try await visibleServer(uuid, auth, rule: rule.policyRule)
        try Self.checkNotLocked(instance, isAdmin: policy.isAdmin(auth))
        try Self.checkState(instance, rule)
        if instance.request.volumeBacked == true {
            // Its disk is its boot volume, which stays: nothing to upload.
            _ = try await startServerAction(uuid, "shelve", args: [:], auth, requestID: requestID)
            return
        }
        var properties = instance.imageProperties.filter { !Self.imageCoreKeys.contains($0.key) }
        properties["instance_uuid"] = instance.uuid
        properties["base_image_ref"] = instance.imageRef
        properties["image_type"] = "snapshot"
        let image = try await createImageRecord(
            name: instance.name + "-shelved", instance: instance, properties: properties, backends: backends)
        do {
            try await startServerAction(uuid, "shelve", args: ["image_id": .string(image.id)], auth, requestID: requestID) {
                $0.request.shelvedImageID = image.id
            }
        } catch {
            try? await backends.image.deleteImage(id: image.id)
            throw error
        }
    }

    /// `rebuild`: the same server on a new (or the same) image; returns the server as it now stands.
    func rebuildServer(
        _ uuid: String, imageRef: String, name: String?, metadata: [String: String]?, description: String??,
        personality: [InjectedFile]? = nil, _ auth: AuthContext, requestID: String
    ) async throws -> InstanceRecord {
        let backends = try requireBackends()
        guard let image = try await backends.image.image(id: imageRef) else {
            throw ComputeErrors.badRequest("Image \(imageRef) could not be found.")
        }
        guard image.status == "active" else { throw ComputeErrors.badRequest("Image \(imageRef) is not active.") }
        let current = try await visibleServer(uuid, auth, rule: "os_compute_api:servers:rebuild")
        if current.request.volumeBacked == true {
            // Nova before 2.93: the boot volume keeps its image.
            throw ComputeErrors.badRequest(
                "Image \(imageRef) is unacceptable: Unable to rebuild with a different image for a volume-backed server.")
        }
        if Int(current.flavor.memoryMB) < image.minRam {
            throw ComputeErrors.badRequest("Flavor's memory is too small for requested image.")
        }
        if current.flavor.rootGB > 0, current.flavor.rootGB < image.minDisk {
            throw ComputeErrors.badRequest("Flavor's disk is too small for requested image.")
        }
        if let personality {
            try await read { q in try await self.quotaCheck.checkInjectedFiles(q, projectID: current.projectID, files: personality) }
        }
        let properties = image.properties
        return try await startServerAction(uuid, "rebuild", args: ["image_id": .string(imageRef)], auth, requestID: requestID) {
            $0.imageRef = imageRef
            $0.imageProperties = properties
            if let name { $0.name = name }
            if let metadata { $0.metadata = metadata }
            if let description { $0.description = description }
            if let personality { $0.request.injectedFiles = personality.isEmpty ? nil : personality }
        }
    }

    /// Image attributes that are the image's own and never copied onto a snapshot.
    static let imageCoreKeys: Set<String> = [
        "id", "name", "status", "visibility", "owner", "size", "virtual_size", "checksum", "os_hash_algo",
        "os_hash_value", "created_at", "updated_at", "min_disk", "min_ram", "protected", "disk_format",
        "container_format", "os_hidden", "tags", "file", "schema", "self", "locations", "direct_url", "stores",
    ]

    private func createImageRecord(
        name: String, instance: InstanceRecord, properties: [String: String], backends: ComputeBackends
    ) async throws -> ImageSummary {
        do {
            return try await backends.image.createImage(
                ImageCreateRequest(
                    name: name, ownerProjectID: instance.projectID, diskFormat: "raw", containerFormat: "bare",
                    visibility: "private", minDisk: instance.flavor.rootGB,
                    minRam: Int(instance.imageProperties["min_ram"] ?? "") ?? 0, properties: properties))
        } catch let error as ServiceClientError where (400..<500).contains(error.status) {
            throw ComputeErrors.badRequest(error.message)
        }
    }
}
