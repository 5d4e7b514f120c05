import Logging
import StratusKit

/// The end of a server: its ports (deleted when the create made them, unbound when they
/// were passed in), its Placement allocations, and its row marked deleted. Used by the
/// compute agent after destroying the guest, and by the API for a server that never
/// reached a host or whose host is down.
struct ServerTeardown: Sendable {
    let database: StratusDatabase
    let backends: ComputeBackends
    let logger: Logger

    func releaseResources(of instance: InstanceRecord) async throws {
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

    func finishDelete(_ uuid: String, requestID: String, host: String?) async throws {
        guard let instance = try await database.read({ try await ComputeQueries(sql: $0).instance(uuid: uuid) }) else {
            return
        }
        try await releaseResources(of: instance)
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
