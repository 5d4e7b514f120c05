import StratusKit

/// A hypervisor with its service, liveness and the live instances of its host.
struct HypervisorView: Sendable {
    var node: ComputeNodeRecord
    var service: ServiceRecord?
    var isUp: Bool
    var instances: [HostedInstance]
}

/// The hypervisors the compute agents report (`compute_nodes`), with usage counted from
/// the instances on their hosts.
extension ComputeManager {
    func hypervisors(_ auth: AuthContext, rule: String) async throws -> [HypervisorView] {
        try policy.enforce("os_compute_api:os-hypervisors:\(rule)", auth)
        return try await read { q in
            let services = Dictionary(uniqueKeysWithValues: try await q.services().map { ($0.id, $0) })
            let hosted = try await q.instancesByHost()
            return try await q.computeNodes().map { node in
                let service = services[node.serviceID]
                return HypervisorView(
                    node: node, service: service, isUp: service.map { isUp($0) } ?? false,
                    instances: hosted[node.host] ?? [])
            }
        }
    }

    /// One hypervisor by integer id (before 2.53) or uuid.
    func hypervisor(_ auth: AuthContext, id: String, byUUID: Bool, rule: String) async throws -> HypervisorView {
        let all = try await hypervisors(auth, rule: rule)
        guard let found = all.first(where: { byUUID ? $0.node.uuid == id : String($0.node.id) == id }) else {
            throw ComputeErrors.notFound("Hypervisor with ID '\(id)' could not be found.")
        }
        return found
    }

    /// Hypervisors whose hostname contains `pattern` (Nova's SQL `LIKE %pattern%`); 404 when none.
    func searchHypervisors(_ auth: AuthContext, pattern: String, rule: String) async throws -> [HypervisorView] {
        let found = try await hypervisors(auth, rule: rule).filter {
            $0.node.hypervisorHostname.lowercased().contains(pattern.lowercased())
        }
        guard !found.isEmpty else { throw ComputeErrors.notFound("No hypervisor matching '\(pattern)' could be found.") }
        return found
    }
}
