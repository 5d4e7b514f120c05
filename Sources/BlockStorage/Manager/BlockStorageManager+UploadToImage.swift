import Foundation
import ServiceClients
import StratusKit

/// An `os-volume_upload_image` request as the API read it.
struct VolumeUploadRequest: Sendable {
    var imageName: String
    var force: Bool
    var diskFormat: String
    var containerFormat: String
    var visibility: String
    var isProtected: Bool
}

/// What the upload started: the volume as it now is, the image record made for the data, and
/// the volume's type (Cinder's answer shows all three).
struct VolumeUploadStarted: Sendable {
    var volume: VolumeRecord
    var image: ImageSummary
    var volumeType: VolumeTypeRecord?
}

/// Upload to image (Cinder's `copy_volume_to_image`): the API marks the volume `uploading` and
/// makes the Glance image record (owned by the volume's project); the owning agent writes the
/// data and puts the volume back in its previous status.
extension BlockStorageManager {
    /// Image properties Cinder never copies from a volume's image metadata to a new image
    /// (`glance_core_properties`: they describe the old image, not the new one).
    static let glanceCoreProperties: Set<String> = [
        "checksum", "container_format", "disk_format", "image_name", "image_id", "min_disk", "min_ram", "name", "size",
    ]

    func uploadVolumeToImage(_ id: String, _ request: VolumeUploadRequest, _ auth: AuthContext, requestID: String)
        async throws -> VolumeUploadStarted
    {
        let volume = try await visibleVolume(id, auth)
        try policy.enforce("volume_extension:volume_actions:upload_image", auth, projectID: volume.projectID)
        if request.visibility == "public" {
            try policy.enforce("volume_extension:volume_actions:upload_public", auth, projectID: volume.projectID)
        }
        let backends = try requireBackends()
        let allowed: Set<String> = request.force ? [VolumeStatus.available, VolumeStatus.inUse] : [VolumeStatus.available]
        let uploading: VolumeRecord = try await write { queries in
            guard let current = try await queries.volume(id: id, forUpdate: true, kind: self.database.kind),
                allowed.contains(current.status),
                try await queries.transitionVolume(
                    id, from: [current.status], to: VolumeStatus.uploading, also: ["previous_status": current.status]),
                let updated = try await queries.volume(id: id)
            else {
                throw BlockStorageErrors.invalidVolume(
                    "Volume \(id) status must be \(request.force ? "available or in-use" : "available")")
            }
            return updated
        }
        let properties = volume.imageMetadata.filter {
            !Self.glanceCoreProperties.contains($0.key) && !$0.key.hasPrefix("os_glance")
        }
        let image: ImageSummary
        do {
            image = try await backends.image.createImage(
                ImageCreateRequest(
                    name: request.imageName, ownerProjectID: volume.projectID, diskFormat: request.diskFormat,
                    containerFormat: request.containerFormat, visibility: request.visibility, properties: properties,
                    isProtected: request.isProtected))
        } catch {
            try await restoreStatus(after: VolumeStatus.uploading, id)
            throw BlockStorageErrors.badRequest(VolumeAgent.describe(error))
        }
        guard let serviceHost = uploading.serviceHost else {
            try? await backends.image.deleteImage(id: image.id)
            try await restoreStatus(after: VolumeStatus.uploading, id)
            throw BlockStorageErrors.invalidVolume("Volume \(id) has no back end to upload from.")
        }
        do {
            try await backends.bus.cast(
                VolumeRPC.volume(serviceHost: serviceHost), method: VolumeRPC.Method.uploadToImage,
                args: ["volume_id": .string(id), "image_id": .string(image.id), "disk_format": .string(request.diskFormat)],
                context: MessagingContext(auth: auth, requestID: requestID))
        } catch {
            try? await backends.image.deleteImage(id: image.id)
            try await restoreStatus(after: VolumeStatus.uploading, id)
            throw error
        }
        let type = try await read { try await $0.volumeType(idOrName: uploading.volumeTypeID) }
        return VolumeUploadStarted(volume: uploading, image: image, volumeType: type)
    }

    /// Puts a volume that is still in `transient` back into its previous status.
    private func restoreStatus(after transient: String, _ id: String) async throws {
        try await write { queries in
            guard let current = try await queries.volume(id: id) else { return }
            _ = try await queries.transitionVolume(
                id, from: [transient], to: current.previousStatus ?? VolumeStatus.available)
        }
    }
}
