import Foundation
import StratusKit

/// The volume actions of the attach flow before the attachments API: reserve, begin and roll
/// back a detach, connect and disconnect a host, and record an attach or a detach.
extension BlockStorageManager {
    func legacyReserve(_ id: String, _ auth: AuthContext) async throws {
        let volume = try await visibleVolume(id, auth, rule: "volume_extension:volume_actions:reserve")
        let allowed: Set<String> = volume.multiattach ? [VolumeStatus.available, VolumeStatus.inUse] : [VolumeStatus.available]
        let moved = try await write { try await $0.transitionVolume(id, from: allowed, to: VolumeStatus.attaching) }
        guard moved else {
            throw BlockStorageErrors.invalidVolume(
                "Volume status must be \(volume.multiattach ? "available or in-use" : "available") to reserve, but the status is \(volume.status).")
        }
    }

    func legacyUnreserve(_ id: String, _ auth: AuthContext) async throws {
        _ = try await visibleVolume(id, auth, rule: "volume_extension:volume_actions:unreserve")
        try await write { queries in
            guard let volume = try await queries.volume(id: id), volume.status == VolumeStatus.attaching else { return }
            let attached = volume.attachments.contains { $0.attachStatus == "attached" }
            _ = try await queries.transitionVolume(
                id, from: [VolumeStatus.attaching], to: attached ? VolumeStatus.inUse : VolumeStatus.available)
        }
    }

    func legacyBeginDetaching(_ id: String, _ auth: AuthContext) async throws {
        _ = try await visibleVolume(id, auth, rule: "volume_extension:volume_actions:begin_detaching")
        let moved = try await write { queries in
            guard let volume = try await queries.volume(id: id), volume.attachStatus == "attached" else { return false }
            return try await queries.transitionVolume(id, from: [VolumeStatus.inUse], to: VolumeStatus.detaching)
        }
        guard moved else {
            throw BlockStorageErrors.invalidVolume(
                "Unable to detach volume. Volume status must be 'in-use' and attach_status must be 'attached' to detach.")
        }
    }

    func legacyRollDetaching(_ id: String, _ auth: AuthContext) async throws {
        _ = try await visibleVolume(id, auth, rule: "volume_extension:volume_actions:roll_detaching")
        _ = try await write { try await $0.transitionVolume(id, from: [VolumeStatus.detaching], to: VolumeStatus.inUse) }
    }

    /// The connection info for the connector's host, from the owning agent's driver.
    func legacyInitializeConnection(_ id: String, connector: JSONValue, _ auth: AuthContext, requestID: String) async throws
        -> JSONValue
    {
        let volume = try await visibleVolume(id, auth, rule: "volume_extension:volume_actions:initialize_connection")
        guard let serviceHost = volume.serviceHost else {
            throw BlockStorageErrors.invalidVolume("Volume \(id) has no back end to connect to.")
        }
        do {
            let answer = try await requireBackends().bus.call(
                VolumeRPC.volume(serviceHost: serviceHost), method: VolumeRPC.Method.initializeConnection,
                args: ["volume_id": .string(id), "connector": connector],
                context: MessagingContext(auth: auth, requestID: requestID), timeout: .seconds(60))
            var info = answer.objectValue ?? [:]
            if var data = info["data"]?.objectValue {
                data["access_mode"] = .string(volume.readonly ? "ro" : "rw")
                info["data"] = .object(data)
            }
            return .object(info)
        } catch {
            logger.warning("initialize_connection failed", metadata: ["volume": "\(id)", "error": "\(error)"])
            throw APIError(.internalServerError, "Unable to fetch connection information from backend.")
        }
    }

    func legacyTerminateConnection(_ id: String, connector: JSONValue, _ auth: AuthContext, requestID: String) async throws {
        let volume = try await visibleVolume(id, auth, rule: "volume_extension:volume_actions:terminate_connection")
        if let serviceHost = volume.serviceHost {
            _ = try await requireBackends().bus.call(
                VolumeRPC.volume(serviceHost: serviceHost), method: VolumeRPC.Method.terminateConnection,
                args: ["volume_id": .string(id), "connector": connector],
                context: MessagingContext(auth: auth, requestID: requestID), timeout: .seconds(60))
        }
        try await legacyUnreserve(id, auth)
    }

    /// Records that the volume is attached at `mountpoint` (of an instance or a host).
    func legacyAttach(
        _ id: String, instanceUUID: String?, hostName: String?, mountpoint: String, mode: String, _ auth: AuthContext
    ) async throws {
        let volume = try await visibleVolume(id, auth, rule: "volume_extension:volume_actions:attach")
        if volume.readonly, mode == "rw" {
            throw BlockStorageErrors.badRequest("Invalid attaching mode 'rw' for volume \(id).")
        }
        try await write { queries in
            guard let current = try await queries.volume(id: id) else { throw BlockStorageErrors.volumeNotFound(id) }
            guard current.status != VolumeStatus.maintenance else {
                throw BlockStorageErrors.invalidVolume("Volume \(id) is in maintenance.")
            }
            var allowed: Set<String> = [VolumeStatus.attaching, VolumeStatus.available, VolumeStatus.reserved]
            if current.multiattach { allowed.insert(VolumeStatus.inUse) }
            guard allowed.contains(current.status) else {
                throw BlockStorageErrors.invalidVolume("Volume status must be available or attaching to attach, but the status is \(current.status).")
            }
            let now = Timestamp.now()
            try await queries.insert(
                AttachmentRecord(
                    id: UUID().uuidString.lowercased(), volumeID: id, projectID: current.projectID, instanceUUID: instanceUUID,
                    attachedHost: hostName, mountpoint: mountpoint, attachStatus: "attached", attachMode: mode, connector: nil,
                    connectionInfo: nil, attachTime: now, detachTime: nil, createdAt: now, updatedAt: nil))
            try await queries.updateVolume(id, ["status": VolumeStatus.inUse, "attach_status": "attached"])
        }
    }

    /// Records a detach: the named attachment (or the only one) goes; the volume's status follows.
    func legacyDetach(_ id: String, attachmentID: String?, _ auth: AuthContext, requestID: String) async throws {
        let volume = try await visibleVolume(id, auth, rule: "volume_extension:volume_actions:detach")
        let live = volume.attachments.filter { $0.attachStatus != "detached" }
        let target: AttachmentRecord?
        if let attachmentID {
            target = live.first { $0.id == attachmentID }
        } else {
            guard live.count <= 1 else {
                throw BlockStorageErrors.invalidVolume("Volume \(id) is attached more than once; name the attachment_id to detach.")
            }
            target = live.first
        }
        guard let target else {
            throw BlockStorageErrors.invalidVolume("Volume \(id) is not attached\(attachmentID.map { " with attachment \($0)" } ?? "").")
        }
        try await write { queries in
            try await queries.deleteAttachment(target.id)
            try await Self.settleAttachStatus(queries, volumeID: id)
        }
    }
}
