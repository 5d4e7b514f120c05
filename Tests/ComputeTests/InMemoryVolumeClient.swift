import Foundation
import ServiceClients
import StratusKit

/// A Block Storage double for Compute's tests that keeps Cinder's rules for volumes and
/// attachments: a volume is reserved by an attachment without a connector (`available` →
/// `reserved`), `attaching` once the connector is given, `in-use` when the attachment is
/// completed, and `available` again when its last attachment is deleted. Anything else is
/// refused with the status and message Cinder would answer. It records who called.
actor InMemoryVolumeClient: VolumeClient {
    struct Volume: Sendable {
        var summary: VolumeSummary
        var projectID: String
        var imageRef: String?
        var snapshotID: String?
        /// The status a new volume reaches on its next read (Cinder creates asynchronously).
        var pendingStatus: String?
    }

    struct Attachment: Sendable {
        var id: String
        var volumeID: String
        var instanceUUID: String
        var connector: VolumeConnector?
        /// `reserved`, `attaching`, `attached`.
        var status: String
    }

    private(set) var volumes: [String: Volume] = [:]
    private(set) var attachments: [String: Attachment] = [:]
    /// The token of every call, in order (nil: the service's own).
    private(set) var tokens: [String?] = []
    /// What new volumes become: `available`, or `error` to make creation fail.
    var creationOutcome = "available"
    /// When set, updating an attachment fails with a 500 (a back end that cannot export).
    var failAttachmentUpdates = false

    /// A volume that already exists in `projectID`.
    @discardableResult
    func addVolume(
        size: Int64 = 1, name: String = "vol", projectID: String, status: String = "available", multiattach: Bool = false
    ) -> String {
        let id = UUID().uuidString.lowercased()
        volumes[id] = Volume(
            summary: VolumeSummary(id: id, status: status, size: size, name: name, multiattach: multiattach),
            projectID: projectID)
        return id
    }

    func setCreationOutcome(_ status: String) { creationOutcome = status }
    func setFailAttachmentUpdates(_ fail: Bool) { failAttachmentUpdates = fail }

    func status(of id: String) -> String? { volumes[id]?.summary.status }
    func record(of id: String) -> Volume? { volumes[id] }
    func attachments(ofVolume id: String) -> [Attachment] { attachments.values.filter { $0.volumeID == id } }

    // MARK: VolumeClient

    func volume(id: String, as caller: VolumeCaller) async throws -> VolumeSummary? {
        tokens.append(caller.token)
        guard var volume = volumes[id] else { return nil }
        if let pending = volume.pendingStatus {
            volume.summary.status = pending
            volume.pendingStatus = nil
            volumes[id] = volume
        }
        return volume.summary
    }

    func createVolume(_ request: VolumeCreateRequest, as caller: VolumeCaller) async throws -> String {
        tokens.append(caller.token)
        guard request.size > 0 else { throw Self.error(400, "Invalid input received: size must be greater than 0") }
        let id = UUID().uuidString.lowercased()
        var volume = Volume(
            summary: VolumeSummary(
                id: id, status: "creating", size: request.size, name: request.name, bootable: request.imageRef != nil,
                availabilityZone: request.availabilityZone ?? "nova"),
            projectID: caller.projectID, imageRef: request.imageRef, snapshotID: request.snapshotID)
        volume.pendingStatus = creationOutcome
        volumes[id] = volume
        return id
    }

    func deleteVolume(id: String, as caller: VolumeCaller) async throws {
        tokens.append(caller.token)
        guard let volume = volumes[id] else { return }
        guard ["available", "error", "error_restoring", "error_extending", "error_managing"].contains(volume.summary.status),
            !attachments.values.contains(where: { $0.volumeID == id })
        else {
            throw Self.error(
                400,
                "Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.")
        }
        volumes[id] = nil
    }

    func createAttachment(
        volumeID: String, instanceUUID: String, connector: VolumeConnector?, mode: String, as caller: VolumeCaller
    ) async throws -> String {
        tokens.append(caller.token)
        guard var volume = volumes[volumeID] else { throw Self.error(404, "Volume \(volumeID) could not be found.") }
        let status = volume.summary.status
        // A second attachment of the same server is how a move connects the volume on the new host.
        let sameServer = attachments.values.contains { $0.volumeID == volumeID && $0.instanceUUID == instanceUUID }
        guard status == "available" || ((volume.summary.multiattach || sameServer) && ["in-use", "reserved"].contains(status))
        else {
            throw Self.error(
                400,
                "Invalid volume: Volume \(volumeID) status must be available or downloading to reserve, but the current status is \(status).")
        }
        let id = UUID().uuidString.lowercased()
        attachments[id] = Attachment(id: id, volumeID: volumeID, instanceUUID: instanceUUID, connector: nil, status: "reserved")
        if status == "available" { volume.summary.status = "reserved" }
        volumes[volumeID] = volume
        if let connector { _ = try await updateAttachment(id: id, connector: connector, as: caller) }
        return id
    }

    func updateAttachment(id: String, connector: VolumeConnector, as caller: VolumeCaller) async throws -> VolumeConnectionInfo {
        tokens.append(caller.token)
        guard var attachment = attachments[id], var volume = volumes[attachment.volumeID] else {
            throw Self.error(404, "Volume attachment could not be found with filter: attachment_id = \(id).")
        }
        if failAttachmentUpdates { throw Self.error(500, "Unable to update attachment.") }
        attachment.connector = connector
        attachment.status = "attaching"
        attachments[id] = attachment
        if volume.summary.status != "in-use" { volume.summary.status = "attaching" }
        volumes[attachment.volumeID] = volume
        return VolumeConnectionInfo(
            driverVolumeType: "file",
            data: ["path": "/var/lib/stratus/volumes/volume-\(attachment.volumeID)", "volume_id": attachment.volumeID])
    }

    func completeAttachment(id: String, as caller: VolumeCaller) async throws {
        tokens.append(caller.token)
        guard var attachment = attachments[id], var volume = volumes[attachment.volumeID] else {
            throw Self.error(404, "Volume attachment could not be found with filter: attachment_id = \(id).")
        }
        attachment.status = "attached"
        attachments[id] = attachment
        volume.summary.status = "in-use"
        volume.summary.attachments.append(
            VolumeAttachmentSummary(serverID: attachment.instanceUUID, attachmentID: id, device: attachment.connector?.mountpoint))
        volumes[attachment.volumeID] = volume
    }

    func deleteAttachment(id: String, as caller: VolumeCaller) async throws {
        tokens.append(caller.token)
        guard let attachment = attachments.removeValue(forKey: id), var volume = volumes[attachment.volumeID] else { return }
        volume.summary.attachments.removeAll { $0.attachmentID == id }
        let remaining = attachments.values.filter { $0.volumeID == attachment.volumeID }.map(\.status)
        if remaining.isEmpty {
            volume.summary.status = "available"
        } else if remaining.contains("attached") {
            volume.summary.status = "in-use"
        } else {
            volume.summary.status = remaining.sorted().first ?? "available"
        }
        volumes[attachment.volumeID] = volume
    }

    private static func error(_ status: Int, _ message: String) -> ServiceClientError {
        ServiceClientError(service: "block-storage", status: status, message: message)
    }
}
