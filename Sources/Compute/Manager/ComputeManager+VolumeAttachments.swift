import ServiceClients
import StratusKit

/// What `POST os-volume_attachments` asks for.
struct VolumeAttachRequest: Sendable {
    var volumeID: String
    var device: String?
    var tag: String?
    var deleteOnTermination: Bool
}

/// What `PUT os-volume_attachments/{volume_id}` carries besides the volume id.
struct VolumeAttachmentUpdate: Sendable {
    var newVolumeID: String
    var serverID: String?
    var attachmentID: String?
    var device: String??
    var tag: String??
    var deleteOnTermination: Bool?
}

/// `os-volume_attachments` (Nova's `attach_volume` / `detach_volume`). Attach reserves the
/// volume with a Block Storage attachment (no connector yet), records the mapping with its
/// device and hands the rest to the server's host, which connects, plugs and completes it;
/// detach is carried out by the host after the 202. Block Storage is called with the
/// caller's own token, as Nova calls Cinder.
extension ComputeManager {
    /// Nova's `check_instance_state` of `attach_volume` and `detach_volume`.
    static let volumeAttachStates = ServerActionRule(
        method: "attach_volume", actionName: "attach_volume", policyRule: "os_compute_api:os-volumes-attachments:create",
        vmStates: [
            VMState.active, VMState.paused, VMState.stopped, VMState.resized, VMState.softDeleted, VMState.shelved,
            VMState.shelvedOffloaded,
        ])

    func volumeAttachments(_ uuid: String, _ auth: AuthContext) async throws -> [BlockDeviceRecord] {
        let instance = try await visibleServer(uuid, auth, rule: "os_compute_api:os-volumes-attachments:index")
        return try await read { try await $0.blockDevices(instanceUUID: instance.uuid) }.filter { $0.volumeID != nil }
    }

    func volumeAttachment(_ uuid: String, volumeID: String, _ auth: AuthContext) async throws -> BlockDeviceRecord {
        let instance = try await visibleServer(uuid, auth, rule: "os_compute_api:os-volumes-attachments:show")
        guard let mapping = try await read({ try await $0.blockDevices(instanceUUID: instance.uuid) })
            .first(where: { $0.volumeID == volumeID })
        else { throw ComputeErrors.notFound("Instance \(uuid) is not attached to volume \(volumeID)") }
        return mapping
    }

    /// The volumes attached to each server, for the servers' `volumes_attached`.
    func volumeAttachments(of uuids: [String]) async throws -> [String: [BlockDeviceRecord]] {
        try await read { try await $0.blockDevices(instanceUUIDs: uuids) }
    }

    /// The Block Storage client, or the refusal a cloud without it gives.
    func requireVolumeClient() throws -> any VolumeClient {
        guard let client = try requireBackends().volume else {
            throw APIError(.serviceUnavailable, "The Block Storage service is not running in this cloud: volumes cannot be attached.")
        }
        return client
    }

    /// Reserves the volume, records the mapping and asks the host to attach it; returns
    /// the mapping (with its device; none for a shelved-offloaded server).
    func attachVolume(
        _ uuid: String, _ request: VolumeAttachRequest, _ auth: AuthContext, token: String?, version: Microversion,
        requestID: String
    ) async throws -> BlockDeviceRecord {
        let visible = try await visibleServer(uuid, auth, rule: "os_compute_api:os-volumes-attachments:create")
        let backends = try requireBackends()
        let client = try requireVolumeClient()
        try Self.checkShelvedVersion(visible, method: "attach_volume", version: version)
        let isAdmin = policy.isAdmin(auth)
        try Self.checkNotLocked(visible, isAdmin: isAdmin)
        try Self.checkState(visible, Self.volumeAttachStates)
        if visible.vmState == VMState.shelvedOffloaded, request.tag != nil {
            throw ComputeErrors.badRequest("Tagged volume attachment is not supported for shelved-offloaded instances.")
        }
        let caller = VolumeCaller(token: token, projectID: auth.projectID ?? visible.projectID)
        let volume = try await volumeCall { try await client.volume(id: request.volumeID, as: caller) }
        guard let volume else { throw ComputeErrors.notFound("Volume \(request.volumeID) could not be found.") }
        let others = try await read { try await $0.blockDevices(volumeID: volume.id) }
        if !others.isEmpty {
            if !volume.multiattach {
                let servers = others.map(\.instanceUUID).joined(separator: " ")
                throw ComputeErrors.badRequest(
                    "Invalid volume: volume \(volume.id) is already attached to instances: \(servers)")
            }
            if others.contains(where: { $0.instanceUUID == visible.uuid }) {
                throw ComputeErrors.badRequest("Invalid volume: volume \(volume.id) already attached")
            }
        }
        if visible.vmState == VMState.shelvedOffloaded, volume.multiattach {
            throw ComputeErrors.badRequest("Attaching multiattach volumes is not supported for shelved-offloaded instances.")
        }
        guard volume.status == "available" || (volume.multiattach && volume.status == "in-use") else {
            throw ComputeErrors.badRequest(
                "Invalid volume: volume '\(volume.id)' status must be 'available'. Currently in '\(volume.status)'")
        }
        let attachmentID: String
        do {
            attachmentID = try await client.createAttachment(
                volumeID: volume.id, instanceUUID: visible.uuid, connector: nil, mode: "rw", as: caller)
        } catch let error as ServiceClientError where error.status == 400 || error.status == 409 {
            throw ComputeErrors.badRequest("Invalid volume: \(error.message)")
        } catch let error as ServiceClientError {
            throw Self.volumeServiceError(error)
        }
        let mapping: BlockDeviceRecord
        do {
            mapping = try await write { q -> BlockDeviceRecord in
                try await q.lockInstance(visible.uuid)
                guard let instance = try await q.instance(uuid: visible.uuid) else {
                    throw ComputeErrors.notFound("Instance \(visible.uuid) could not be found.")
                }
                try Self.checkNotLocked(instance, isAdmin: isAdmin)
                try Self.checkState(instance, Self.volumeAttachStates)
                let existing = try await q.blockDevices(instanceUUID: instance.uuid)
                var device: String?
                if instance.vmState != VMState.shelvedOffloaded {
                    device = try DeviceNames.choose(requested: request.device, taken: existing.compactMap(\.deviceName))
                }
                let record = BlockDeviceRecord(
                    uuid: IDGenerator.uuid(), instanceUUID: instance.uuid, volumeID: volume.id, attachmentID: attachmentID,
                    deviceName: device, bootIndex: nil, deleteOnTermination: request.deleteOnTermination, tag: request.tag,
                    sourceType: "volume", destinationType: "volume", volumeSize: volume.size, imageID: nil, createdAt: .now())
                try await q.insertBlockDevice(record)
                _ = try await q.startAction(
                    "attach_volume", instanceUUID: instance.uuid, requestID: requestID, projectID: instance.projectID,
                    userID: auth.userID)
                return record
            }
        } catch {
            try? await client.deleteAttachment(id: attachmentID, as: caller)
            throw error
        }
        let context = MessagingContext(auth: auth, requestID: requestID, authToken: token)
        guard let host = visible.host, visible.vmState != VMState.shelvedOffloaded else {
            // No host to connect it: Nova completes the bare attachment so the volume is
            // `in-use`; the host that unshelves the server connects it.
            do {
                try await client.completeAttachment(id: attachmentID, as: caller)
            } catch {
                try? await client.deleteAttachment(id: attachmentID, as: caller)
                try? await write { try await $0.deleteBlockDevice(uuid: mapping.uuid) }
                throw Self.volumeServiceError(error)
            }
            return mapping
        }
        do {
            try await backends.bus.cast(
                ComputeRPC.compute(host: host), method: ComputeAgent.attachVolumeMethod,
                args: ["instance_uuid": .string(visible.uuid), "bdm_uuid": .string(mapping.uuid)], context: context)
        } catch {
            try? await client.deleteAttachment(id: attachmentID, as: caller)
            try? await write { try await $0.deleteBlockDevice(uuid: mapping.uuid) }
            throw error
        }
        return mapping
    }

    /// Checks and records a detach, and asks the host to carry it out (a shelved-offloaded
    /// server has none: its attachment is deleted here).
    func detachVolume(
        _ uuid: String, volumeID: String, _ auth: AuthContext, token: String?, version: Microversion, requestID: String
    ) async throws {
        let visible = try await visibleServer(uuid, auth, rule: "os_compute_api:os-volumes-attachments:delete")
        let backends = try requireBackends()
        let client = try requireVolumeClient()
        try Self.checkShelvedVersion(visible, method: "detach_volume", version: version)
        let caller = VolumeCaller(token: token, projectID: auth.projectID ?? visible.projectID)
        guard try await volumeCall({ try await client.volume(id: volumeID, as: caller) }) != nil else {
            throw ComputeErrors.notFound("Volume \(volumeID) could not be found.")
        }
        var rule = Self.volumeAttachStates
        rule.method = "detach_volume"
        let detachRule = rule
        let isAdmin = policy.isAdmin(auth)
        let mapping = try await write { q -> BlockDeviceRecord in
            try await q.lockInstance(visible.uuid)
            guard let instance = try await q.instance(uuid: visible.uuid) else {
                throw ComputeErrors.notFound("Instance \(visible.uuid) could not be found.")
            }
            guard let mapping = try await q.blockDevices(instanceUUID: instance.uuid).first(where: { $0.volumeID == volumeID })
            else { throw ComputeErrors.notFound("Instance \(uuid) is not attached to volume \(volumeID)") }
            if mapping.isRoot { throw ComputeErrors.badRequest("Cannot detach a root device volume") }
            try Self.checkNotLocked(instance, isAdmin: isAdmin)
            try Self.checkState(instance, detachRule)
            _ = try await q.startAction(
                "detach_volume", instanceUUID: instance.uuid, requestID: requestID, projectID: instance.projectID,
                userID: auth.userID)
            return mapping
        }
        guard let host = visible.host, visible.vmState != VMState.shelvedOffloaded else {
            if let attachmentID = mapping.attachmentID {
                do {
                    try await client.deleteAttachment(id: attachmentID, as: caller)
                } catch {
                    throw Self.volumeServiceError(error)
                }
            }
            try await write { try await $0.deleteBlockDevice(uuid: mapping.uuid) }
            return
        }
        try await backends.bus.cast(
            ComputeRPC.compute(host: host), method: ComputeAgent.detachVolumeMethod,
            args: ["instance_uuid": .string(visible.uuid), "bdm_uuid": .string(mapping.uuid)],
            context: MessagingContext(auth: auth, requestID: requestID, authToken: token))
    }

    /// `PUT`: from 2.85 the attachment's `delete_on_termination` may change; anything else
    /// is Nova's swap, which only Block Storage's volume migration calls and this cloud
    /// does not run.
    func updateVolumeAttachment(
        _ uuid: String, volumeID: String, _ update: VolumeAttachmentUpdate, _ auth: AuthContext, token: String?,
        version: Microversion
    ) async throws {
        let instance = try await visibleServer(uuid, auth, rule: "os_compute_api:os-volumes-attachments:show")
        let swapping = !version.isAtLeast(2, 85) || update.newVolumeID != volumeID
        if swapping {
            try policy.enforce("os_compute_api:os-volumes-attachments:swap", auth, target: [:])
        } else {
            try policy.enforce(
                "os_compute_api:os-volumes-attachments:update", auth, target: ["project_id": .string(instance.projectID)])
        }
        if version.isAtLeast(2, 85) {
            try await write { q in
                guard var mapping = try await q.blockDevices(instanceUUID: instance.uuid).first(where: { $0.volumeID == volumeID })
                else { throw ComputeErrors.notFound("No volume Block Device Mapping with id \(volumeID).") }
                if let id = update.attachmentID, id != volumeID { throw ComputeErrors.badRequest("The id property is not mutable") }
                if let server = update.serverID, server != instance.uuid {
                    throw ComputeErrors.badRequest("The serverId property is not mutable")
                }
                if let device = update.device, device != mapping.deviceName {
                    throw ComputeErrors.badRequest("The device property is not mutable")
                }
                if let tag = update.tag, tag != mapping.tag { throw ComputeErrors.badRequest("The tag property is not mutable") }
                if let flag = update.deleteOnTermination { mapping.deleteOnTermination = flag }
                try await q.updateBlockDevice(mapping)
            }
        }
        guard swapping else { return }
        let client = try requireVolumeClient()
        let caller = VolumeCaller(token: token, projectID: auth.projectID ?? instance.projectID)
        guard try await volumeCall({ try await client.volume(id: volumeID, as: caller) }) != nil else {
            throw ComputeErrors.notFound("Volume \(volumeID) could not be found.")
        }
        // Nova's answer when the old volume is not being migrated by Block Storage, which is
        // always so here: swapping is not offered.
        throw ComputeErrors.conflict("volume \(volumeID) is not migrating; this API should only be called by Cinder")
    }

    /// Before 2.20 a shelved server refuses volume changes as Nova does (409).
    private static func checkShelvedVersion(_ instance: InstanceRecord, method: String, version: Microversion) throws {
        guard instance.vmState == VMState.shelved || instance.vmState == VMState.shelvedOffloaded, !version.isAtLeast(2, 20)
        else { return }
        throw ComputeErrors.conflict("Cannot '\(method)' instance \(instance.uuid) while it is in vm_state \(instance.vmState)")
    }

    /// A call to Block Storage whose failures are the API's (unreachable: 503).
    func volumeCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ServiceClientError {
            throw Self.volumeServiceError(error)
        }
    }

    static func volumeServiceError(_ error: any Error) -> any Error {
        guard let error = error as? ServiceClientError else { return error }
        if error.status == 401 || error.status == 403 {
            return APIError(.forbidden, "The Block Storage service refused the request: \(error.message)")
        }
        if error.status == 404 { return ComputeErrors.notFound(error.message) }
        return APIError(.serviceUnavailable, "The Block Storage service could not be reached: \(error.message)")
    }
}
