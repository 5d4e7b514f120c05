import ServiceClients
import StratusKit

/// Volume attach and detach on the compute host (Nova's `attach_volume` / `detach_volume`):
/// the reserved attachment is given this host's connector, the driver plugs the volume in
/// with the connection Block Storage returned, and the attachment is completed. A failure
/// deletes the attachment and the mapping; the action's event holds the error.
extension ComputeAgent {
    static let attachVolumeMethod = "attach_volume"
    static let detachVolumeMethod = "detach_volume"

    /// The RPC methods of this file, added to the host's endpoint.
    func registerVolumeMethods(on endpoint: inout RPCEndpoint) {
        endpoint.on(Self.attachVolumeMethod) { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue, let bdm = request.args["bdm_uuid"]?.stringValue
            else { return .null }
            await self.attachVolume(uuid, mappingUUID: bdm, context: request.context)
            return .null
        }
        endpoint.on(Self.detachVolumeMethod) { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue, let bdm = request.args["bdm_uuid"]?.stringValue
            else { return .null }
            await self.detachVolume(uuid, mappingUUID: bdm, context: request.context)
            return .null
        }
    }

    /// Who Block Storage sees: the user whose request this is, else the service acting on
    /// the server's project.
    func volumeCaller(_ context: MessagingContext, projectID: String) -> VolumeCaller {
        VolumeCaller(token: context.authToken, projectID: context.authToken == nil ? projectID : context.projectID ?? projectID)
    }

    /// What this host tells Block Storage when it connects a volume as `device`.
    func connector(device: String?) -> VolumeConnector {
        VolumeConnector(host: host, mountpoint: device)
    }

    func attachVolume(_ uuid: String, mappingUUID: String, context: MessagingContext) async {
        do {
            try await withEvent("compute_attach_volume", instance: uuid, requestID: context.requestID) {
                guard let client = backends.volume else {
                    throw APIError(.serviceUnavailable, "The Block Storage service is not running in this cloud.")
                }
                guard let instance = try await instance(uuid), instance.host == host,
                    let mapping = try await write({ try await $0.blockDevices(instanceUUID: uuid) })
                        .first(where: { $0.uuid == mappingUUID }),
                    let volumeID = mapping.volumeID, let attachmentID = mapping.attachmentID
                else { throw ComputeErrors.notFound("Volume attachment \(mappingUUID) of \(uuid) is gone") }
                let caller = volumeCaller(context, projectID: instance.projectID)
                var plugged = false
                do {
                    let info = try await client.updateAttachment(
                        id: attachmentID, connector: connector(device: mapping.deviceName), as: caller)
                    try await driver.attachVolume(
                        uuid,
                        GuestVolume(
                            volumeID: volumeID, device: mapping.deviceName ?? "", connectionType: info.driverVolumeType,
                            connectionData: info.data))
                    plugged = true
                    try await client.completeAttachment(id: attachmentID, as: caller)
                } catch {
                    logger.warning(
                        "attaching volume \(volumeID) to \(uuid) on \(host) failed: \(error)",
                        metadata: ["request_id": "\(context.requestID)"])
                    if plugged { try? await driver.detachVolume(uuid, volumeID: volumeID) }
                    try? await client.deleteAttachment(id: attachmentID, as: caller)
                    try? await write { try await $0.deleteBlockDevice(uuid: mappingUUID) }
                    throw error
                }
            }
        } catch {
            // The event of the action records the failure.
        }
    }

    func detachVolume(_ uuid: String, mappingUUID: String, context: MessagingContext) async {
        do {
            try await withEvent("compute_detach_volume", instance: uuid, requestID: context.requestID) {
                guard let client = backends.volume else {
                    throw APIError(.serviceUnavailable, "The Block Storage service is not running in this cloud.")
                }
                guard let instance = try await instance(uuid),
                    let mapping = try await write({ try await $0.blockDevices(instanceUUID: uuid) })
                        .first(where: { $0.uuid == mappingUUID })
                else { throw ComputeErrors.notFound("Volume attachment \(mappingUUID) of \(uuid) is gone") }
                try await detach(mapping, from: instance, client: client, caller: volumeCaller(context, projectID: instance.projectID))
            }
        } catch {
            logger.warning(
                "detaching volume mapping \(mappingUUID) from \(uuid) on \(host) failed: \(error)",
                metadata: ["request_id": "\(context.requestID)"])
        }
    }

    /// Unplugs the volume (a guest that is gone has nothing to unplug), deletes its
    /// attachment and forgets the mapping.
    func detach(
        _ mapping: BlockDeviceRecord, from instance: InstanceRecord, client: any VolumeClient, caller: VolumeCaller
    ) async throws {
        if let volumeID = mapping.volumeID {
            do {
                try await driver.detachVolume(instance.uuid, volumeID: volumeID)
            } catch let error as VirtDriverError where error.kind == .guestNotFound {
                // No guest to unplug from (it is gone): release the volume all the same.
            }
        }
        if let attachmentID = mapping.attachmentID { try await client.deleteAttachment(id: attachmentID, as: caller) }
        try await write { try await $0.deleteBlockDevice(uuid: mapping.uuid) }
    }
}
