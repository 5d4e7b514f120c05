import StratusKit

/// Evacuate on the API side: only when the server's host is down (forced down, or silent
/// for longer than `compute.service_down_time`), to another host that exists. The server
/// gets task `rebuilding`, the `evacuate` action and its `evacuation` migration (`accepted`)
/// in one transaction; the conductor picks the host.
extension ComputeManager {
    static let evacuateRule = ServerActionRule(
        method: "evacuate", actionName: "evacuate", policyRule: "os_compute_api:os-evacuate",
        vmStates: [VMState.active, VMState.stopped, VMState.error], newTaskState: TaskState.rebuilding)

    /// - Parameters:
    ///   - targetState: `stopped` from 2.95 (the server stays stopped on its new host).
    func evacuateServer(
        _ uuid: String, host: String?, targetState: String?, _ auth: AuthContext, requestID: String
    ) async throws {
        let backends = try requireBackends()
        let rule = Self.evacuateRule
        let visible = try await visibleServer(uuid, auth, rule: rule.policyRule)
        let liveness = ServiceLiveness(downTime: settings.serviceDownTime)
        let migrationUUID = IDGenerator.uuid()
        try await write { q in
            if let host, try await q.service(host: host, binary: "nova-compute") == nil {
                throw ComputeErrors.notFound("Compute host \(host) not found.")
            }
            guard var instance = try await q.instance(uuid: visible.uuid) else {
                throw ComputeErrors.notFound("Instance \(uuid) could not be found.")
            }
            if let host, instance.host == host { throw ComputeErrors.badRequest("The target host can't be the same one.") }
            try Self.checkState(instance, rule)
            guard let source = instance.host else { throw ComputeErrors.conflict("Instance \(uuid) is not ready") }
            if let service = try await q.service(host: source, binary: "nova-compute"), liveness.isUp(service) {
                throw ComputeErrors.badRequest("Compute service of \(source) is still in use.")
            }
            instance.taskState = rule.newTaskState
            try await q.save(instance)
            try await q.startAction(
                rule.actionName, instanceUUID: instance.uuid, requestID: requestID, projectID: instance.projectID,
                userID: auth.userID)
            let flavorID = try await q.flavorInternalID(instance.flavor.flavorID)
            try await q.insertMigration(
                MigrationRecord(
                    id: 0, uuid: migrationUUID, instanceUUID: instance.uuid, sourceCompute: source, destCompute: host,
                    sourceNode: instance.node, destNode: nil, destHost: nil, migrationType: "evacuation", status: "accepted",
                    oldInstanceTypeID: flavorID, newInstanceTypeID: flavorID, projectID: instance.projectID,
                    userID: instance.userID, createdAt: .now(), updatedAt: nil))
        }
        var args: [String: JSONValue] = ["instance_uuid": .string(visible.uuid), "migration_uuid": .string(migrationUUID)]
        if let host { args["host"] = .string(host) }
        if let targetState { args["target_state"] = .string(targetState) }
        try await backends.bus.cast(
            ComputeRPC.conductor, method: ComputeConductor.evacuateMethod, args: args,
            context: MessagingContext(auth: auth, requestID: requestID))
    }
}
