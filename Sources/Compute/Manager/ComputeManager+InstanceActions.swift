import StratusKit

/// `os-instance-actions`: what was done to a server and, for admins, each step's outcome.
extension ComputeManager {
    func instanceActions(_ uuid: String, _ auth: AuthContext) async throws -> [InstanceActionRecord] {
        let instance = try await visibleServerIncludingDeleted(uuid, auth, rule: "os_compute_api:os-instance-actions:list")
        return try await read { try await $0.actions(of: instance.uuid) }
    }

    /// The action and whether the caller sees its events' tracebacks and hosts.
    func instanceAction(_ uuid: String, requestID: String, _ auth: AuthContext) async throws -> (InstanceActionRecord, Bool) {
        let instance = try await visibleServerIncludingDeleted(uuid, auth, rule: "os_compute_api:os-instance-actions:show")
        guard let action = try await read({ try await $0.action(of: instance.uuid, requestID: requestID) }) else {
            throw ComputeErrors.notFound("Action for request_id \(requestID) on instance \(uuid) not found")
        }
        let details = policy.allows("os_compute_api:os-instance-actions:events:details", auth, target: Self.serverTarget(instance))
        return (action, details)
    }

    /// Actions stay readable after a server is deleted, as Nova's (2.21+) are.
    private func visibleServerIncludingDeleted(_ uuid: String, _ auth: AuthContext, rule: String) async throws -> InstanceRecord {
        guard let instance = try await read({ try await $0.instance(uuid: uuid, includeDeleted: true) }),
            instance.projectID == auth.projectID || policy.isAdmin(auth)
        else { throw ComputeErrors.notFound("Instance \(uuid) could not be found.") }
        try policy.enforce(rule, auth, target: Self.serverTarget(instance))
        return instance
    }
}
