import Logging
import ServiceClients
import StratusKit

/// The end of a server: its volumes (attachments deleted, the volumes marked
/// `delete_on_termination` deleted), its ports (deleted when the create made them, unbound
/// when they were passed in), its Placement allocations, and its row marked deleted. Used by the
/// compute agent after destroying the guest, and by the API for a server that never
/// reached a host or whose host is down.
struct ServerTeardown: Sendable {
    let database: StratusDatabase
    let backends: ComputeBackends
    let logger: Logger

    /// - Parameter volumeCaller: whose token Block Storage sees (the deleting user's); nil:
    ///   the service's own on the server's project.
    func releaseResources(of instance: InstanceRecord, volumeCaller: VolumeCaller? = nil) async throws {
        try await releaseVolumes(of: instance, as: volumeCaller)
        let ports = try await backends.network.ports(deviceID: instance.uuid)
        let created = Set(instance.networkInfo.filter(\.createdByCompute).map(\.portID))
        // Ports the user passed in, at create or in a later interface attach, are kept.
        let passedIn = Set(instance.request.networks.compactMap(\.portID))
            .union(instance.networkInfo.filter { !$0.createdByCompute }.map(\.portID))
        for port in ports {
            if passedIn.contains(port.id) && !created.contains(port.id) {
                try await backends.network.unbindPort(id: port.id)
            } else {
                try await backends.network.deletePort(id: port.id)
            }
        }
        try await backends.placement.deleteAllocations(consumerUUID: instance.uuid)
    }

    /// Deletes each volume's attachment, then the volume when the mapping says so, and the
    /// mapping, one by one (a retry after a failure picks up where this stopped). With no
    /// user behind a delete, the service's own token acts on the server's project.
    func releaseVolumes(of instance: InstanceRecord, as volumeCaller: VolumeCaller? = nil) async throws {
        let mappings = try await database.read { try await ComputeQueries(sql: $0).blockDevices(instanceUUID: instance.uuid) }
        guard !mappings.isEmpty else { return }
        guard let client = backends.volume else {
            logger.warning("server \(instance.uuid) has volumes but the Block Storage service is not configured")
            return
        }
        let caller = volumeCaller ?? VolumeCaller.service(projectID: instance.projectID)
        for mapping in mappings {
            if let attachmentID = mapping.attachmentID { try await client.deleteAttachment(id: attachmentID, as: caller) }
            if mapping.deleteOnTermination, let volumeID = mapping.volumeID {
                try await client.deleteVolume(id: volumeID, as: caller)
            }
            try await database.write { try await ComputeQueries(sql: $0).deleteBlockDevice(uuid: mapping.uuid) }
        }
    }

    func finishDelete(_ uuid: String, requestID: String, host: String?, volumeCaller: VolumeCaller? = nil) async throws {
        guard let instance = try await database.read({ try await ComputeQueries(sql: $0).instance(uuid: uuid) }) else {
            return
        }
        try await releaseResources(of: instance, volumeCaller: volumeCaller)
        try await database.write { sql in
            let q = ComputeQueries(sql: sql)
            guard var current = try await q.instance(uuid: uuid) else { return }
            let now = Timestamp.now()
            current.vmState = VMState.deleted
            current.taskState = nil
            current.powerState = PowerState.noState.rawValue
            current.terminatedAt = now
            current.deletedAt = now
            current.deleted = true
            try await q.save(current)
            try await q.removeServerGroupMember(instanceUUID: uuid)
            try await q.deleteConsoleTokens(instanceUUID: uuid)
            if let actionID = try await q.actionID(instanceUUID: uuid, requestID: requestID) {
                let event = try await q.startEvent("compute_terminate_instance", actionID: actionID, host: host)
                try await q.finishEvent(event, actionID: actionID, error: nil)
            }
        }
    }
}
