import ServiceClients
import Foundation
import StratusKit

/// Server actions on the API side: policy, lock and state checks (Nova's 409s), the task
/// state set while the compute agent works, the instance action record, and the cast to
/// the server's host. The agent finishes the state change.
extension ComputeManager {
    /// Starts action `key` (a key of `ServerActionRule.all`) with its arguments; returns
    /// the server as it now stands.
    @discardableResult
    func startServerAction(
        _ uuid: String, _ key: String, args: [String: JSONValue] = [:], _ auth: AuthContext, requestID: String,
        update: (@Sendable (inout InstanceRecord) throws -> Void)? = nil,
        check: (@Sendable (InstanceRecord, ComputeQueries) async throws -> Void)? = nil
    ) async throws -> InstanceRecord {
        guard let rule = ServerActionRule.all[key] else { throw ComputeErrors.badRequest("Unknown action \(key)") }
        let backends = try requireBackends()
        let visible = try await visibleServer(uuid, auth, rule: rule.policyRule)
        let isAdmin = policy.isAdmin(auth)
        let instance = try await write { q -> InstanceRecord in
            guard var instance = try await q.instance(uuid: visible.uuid) else {
                throw ComputeErrors.notFound("Instance \(uuid) could not be found.")
            }
            try Self.checkNotLocked(instance, isAdmin: isAdmin)
            try Self.checkState(instance, rule)
            guard instance.host != nil || key == "unshelve" else {
                throw ComputeErrors.conflict("Instance \(uuid) is not ready")
            }
            try await check?(instance, q)
            instance.taskState = rule.newTaskState
            let metadataBefore = instance.metadata
            try update?(&instance)
            try await q.save(instance)
            // `save` writes the columns only; an update that changed the metadata (rebuild) writes it too.
            if instance.metadata != metadataBefore { try await q.setMetadata(instance.metadata, of: instance.uuid, replacing: true) }
            try await q.startAction(
                rule.actionName, instanceUUID: instance.uuid, requestID: requestID, projectID: instance.projectID,
                userID: auth.userID)
            return instance
        }
        var castArgs = args
        castArgs["instance_uuid"] = .string(instance.uuid)
        castArgs["action"] = .string(key)
        // Actions that need a (new) host go through the conductor, as Nova's do.
        let scheduled: Set<String> = ["resize", "migrate", "unshelve"]
        let target =
            scheduled.contains(key) ? ComputeRPC.conductor : instance.host.map { ComputeRPC.compute(host: $0) } ?? ComputeRPC.conductor
        try await backends.bus.cast(
            target, method: ComputeRPC.Method.instanceAction, args: castArgs,
            context: MessagingContext(auth: auth, requestID: requestID))
        return instance
    }

    static func checkNotLocked(_ instance: InstanceRecord, isAdmin: Bool) throws {
        if instance.lockedBy != nil, !isAdmin { throw ComputeErrors.conflict("Instance \(instance.uuid) is locked") }
    }

    static func checkState(_ instance: InstanceRecord, _ rule: ServerActionRule) throws {
        guard rule.vmStates.contains(instance.vmState) else {
            throw ComputeErrors.conflict(
                "Cannot '\(rule.method)' instance \(instance.uuid) while it is in vm_state \(instance.vmState)")
        }
        guard rule.taskStates.contains(instance.taskState) else {
            throw ComputeErrors.conflict(
                "Cannot '\(rule.method)' instance \(instance.uuid) while it is in task_state \(instance.taskState ?? "None")")
        }
    }

    /// Lock (owner or admin, with a reason from 2.73) and unlock (an admin's lock only by an admin).
    func setLock(_ uuid: String, locked: Bool, reason: String?, _ auth: AuthContext, requestID: String) async throws {
        let rule = locked ? "os_compute_api:os-lock-server:lock" : "os_compute_api:os-lock-server:unlock"
        let instance = try await visibleServer(uuid, auth, rule: rule)
        let isAdmin = policy.isAdmin(auth)
        if !locked, instance.lockedBy == "admin", !isAdmin {
            try policy.enforce("os_compute_api:os-lock-server:unlock:unlock_override", auth, target: Self.serverTarget(instance))
        }
        try await write { q in
            guard var current = try await q.instance(uuid: instance.uuid) else { return }
            if locked {
                guard current.lockedBy == nil else { return }
                current.lockedBy = auth.projectID == current.projectID && !isAdmin ? "owner" : (isAdmin ? "admin" : "owner")
                current.lockedReason = reason
            } else {
                current.lockedBy = nil
                current.lockedReason = nil
            }
            try await q.save(current)
            try await q.startAction(
                locked ? "lock" : "unlock", instanceUUID: current.uuid, requestID: requestID,
                projectID: current.projectID, userID: auth.userID)
        }
    }

    /// `DELETE /servers/{id}` and `forceDelete`: the host's agent tears the guest down; a
    /// server never placed, or whose host is down, is cleaned up here (Nova's local delete).
    /// With `compute.reclaim_instance_interval` set, a plain delete of a launched server on a
    /// running host is a soft delete instead (`ComputeManager+SoftDelete.swift`).
    /// `token`, the caller's, goes with the teardown to Block Storage for the server's volumes.
    func deleteServer(
        _ uuid: String, _ auth: AuthContext, token: String? = nil, requestID: String, force: Bool = false
    ) async throws {
        let backends = try requireBackends()
        let visible = try await visibleServer(
            uuid, auth, rule: force ? "os_compute_api:os-deferred-delete:force" : "os_compute_api:servers:delete")
        if !force, try await softDeleteIfDeferred(visible, auth, requestID: requestID) { return }
        let isAdmin = policy.isAdmin(auth)
        let downTime = settings.serviceDownTime
        let (instance, hostUp) = try await write { q -> (InstanceRecord, Bool) in
            guard var instance = try await q.instance(uuid: visible.uuid) else {
                throw ComputeErrors.notFound("Instance \(uuid) could not be found.")
            }
            try Self.checkNotLocked(instance, isAdmin: isAdmin)
            if force, let task = instance.taskState {
                throw ComputeErrors.conflict("Cannot 'force_delete' instance \(instance.uuid) while it is in task_state \(task)")
            }
            let hostUp = try await instance.host.asyncMap { try await q.isServiceUp(host: $0, downTime: downTime) } ?? false
            instance.taskState = TaskState.deleting
            try await q.save(instance)
            try await q.startAction(
                force ? "forceDelete" : "delete", instanceUUID: instance.uuid, requestID: requestID,
                projectID: instance.projectID, userID: auth.userID)
            return (instance, hostUp)
        }
        let context = MessagingContext(auth: auth, requestID: requestID, authToken: token)
        if let host = instance.host, hostUp {
            try await backends.bus.cast(
                ComputeRPC.compute(host: host), method: ComputeRPC.Method.terminateInstance,
                args: ["instance_uuid": .string(instance.uuid)], context: context)
            return
        }
        let volumeCaller = token.map { VolumeCaller(token: $0, projectID: auth.projectID ?? instance.projectID) }
        try await ServerTeardown(database: database, backends: backends, logger: logger)
            .finishDelete(instance.uuid, requestID: requestID, host: nil, volumeCaller: volumeCaller)
    }

    /// The guest's console log, from its host's driver (`length` lines from the end).
    func consoleOutput(_ uuid: String, length: Int?, _ auth: AuthContext, requestID: String) async throws -> String {
        let backends = try requireBackends()
        let instance = try await visibleServer(uuid, auth, rule: "os_compute_api:os-console-output")
        guard let host = instance.host, instance.vmState != VMState.building else {
            throw ComputeErrors.conflict("Instance \(uuid) is not ready")
        }
        let reply = try await backends.bus.call(
            ComputeRPC.compute(host: host), method: "get_console_output", args: ["instance_uuid": .string(uuid)],
            context: MessagingContext(auth: auth, requestID: requestID), timeout: .seconds(30))
        let output = reply.stringValue ?? ""
        guard let length else { return output }
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.suffix(length).joined(separator: "\n")
    }
}
