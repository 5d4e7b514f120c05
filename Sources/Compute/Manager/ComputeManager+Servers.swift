import Foundation
import StratusKit

/// Reading, updating and deleting servers.
extension ComputeManager {
    static func serverTarget(_ instance: InstanceRecord) -> PolicyAttributes {
        ["project_id": .string(instance.projectID), "user_id": .string(instance.userID)]
    }

    /// The server, or Nova's 404 when it does not exist or belongs to another project
    /// (only admins see other projects' servers).
    func visibleServer(_ uuid: String, _ auth: AuthContext, rule: String) async throws -> InstanceRecord {
        guard let instance = try await read({ try await $0.instance(uuid: uuid) }),
            instance.projectID == auth.projectID || policy.isAdmin(auth)
        else { throw ComputeErrors.notFound("Instance \(uuid) could not be found.") }
        try policy.enforce(rule, auth, target: Self.serverTarget(instance))
        return instance
    }

    func server(_ uuid: String, _ auth: AuthContext) async throws -> (InstanceRecord, InstanceFault?) {
        let instance = try await visibleServer(uuid, auth, rule: "os_compute_api:servers:show")
        let fault = try await read { try await $0.latestFaults(of: [uuid])[uuid] }
        return (instance, fault)
    }

    /// Servers with Nova's filters, sorted and paged; each with its latest fault.
    func listServers(
        _ auth: AuthContext, _ query: ServerListQuery, detail: Bool
    ) async throws -> (servers: [InstanceRecord], faults: [String: InstanceFault]) {
        let rule = detail ? "os_compute_api:servers:detail" : "os_compute_api:servers:index"
        try policy.enforce(rule, auth, target: Self.projectTarget(auth))
        var projectID = auth.projectID
        if query.allTenants {
            try policy.enforce(rule + ":get_all_tenants", auth, target: Self.projectTarget(auth))
            projectID = query.projectID
        } else if let wanted = query.projectID, policy.isAdmin(auth) {
            projectID = wanted
        }
        let isAdmin = policy.isAdmin(auth)
        let wantsDeleted = query.deleted == true || query.changesSince != nil || query.status?.uppercased() == "DELETED"
        let vmStates = query.status.map { ServerStatus.vmStates(forStatus: $0) }
        if let vmStates, vmStates.isEmpty { return ([], [:]) }
        let scopeProjectID = projectID
        var instances = try await read { q in
            try await q.instances(
                projectID: scopeProjectID, includeDeleted: wantsDeleted && (isAdmin || query.changesSince != nil),
                changedSince: query.changesSince, host: isAdmin ? query.host : nil, vmStates: vmStates,
                reservationID: query.reservationID)
        }
        if query.deleted == true { instances = instances.filter(\.deleted) }
        instances = try query.apply(to: instances, isAdmin: isAdmin)
        instances = try query.sortAndPage(instances)
        let page = instances
        return try await read { q in
            var page = page
            try await q.attachDetails(&page)
            if !query.tags.isEmpty || !query.tagsAny.isEmpty || !query.notTags.isEmpty || !query.notTagsAny.isEmpty {
                page = page.filter(query.matchesTags)
            }
            return (page, try await q.latestFaults(of: page.map(\.uuid)))
        }
    }

    /// `PUT /servers/{id}`: name, description, hostname (2.90), access IPs.
    func updateServer(
        _ uuid: String, name: String?, description: String??, hostname: String?, accessIPv4: String??,
        accessIPv6: String??, _ auth: AuthContext
    ) async throws -> InstanceRecord {
        let instance = try await visibleServer(uuid, auth, rule: "os_compute_api:servers:update")
        return try await write { q in
            guard var current = try await q.instance(uuid: instance.uuid) else {
                throw ComputeErrors.notFound("Instance \(uuid) could not be found.")
            }
            if let name { current.name = name }
            if let description { current.description = description }
            if let hostname { current.hostname = hostname }
            if let accessIPv4 { current.accessIPv4 = accessIPv4 }
            if let accessIPv6 { current.accessIPv6 = accessIPv6 }
            try await q.save(current)
            return current
        }
    }
}
