import StratusKit

extension ComputeConductor {
    /// The common start of a move off a host (live migration, evacuation): the server's
    /// allocation on `source` is held by the migration's consumer (`held` receives what was
    /// moved, for putting it back on failure), the scheduler picks another host (only
    /// `requestedHost`, when given), and the migration records it as `accepted`.
    func scheduleMoveOffSource(
        _ instance: InstanceRecord, source: String, migrationUUID: String, requestedHost: String?,
        held: inout [String: [String: Int]], context: MessagingContext
    ) async throws -> HostSelection {
        held = try await backends.holdSourceAllocation(instance, migrationUUID: migrationUUID)
        var args: [String: JSONValue] = [
            "instance_uuid": .string(instance.uuid), "ignore_hosts": [.string(source)], "is_move": true,
        ]
        if let requestedHost { args["requested_host"] = .string(requestedHost) }
        let reply = try await backends.bus.call(
            ComputeRPC.scheduler, method: ComputeRPC.Method.selectDestinations, args: args, context: context,
            timeout: .seconds(60))
        guard let chosen = reply.arrayValue?.compactMap(HostSelection.init(json:)).first else {
            throw NoValidHost(reason: "The scheduler chose no host.")
        }
        try await database.write { sql in
            try await ComputeQueries(sql: sql).updateMigration(
                uuid: migrationUUID, status: "accepted", destCompute: chosen.host, destNode: chosen.nodename)
        }
        return chosen
    }
}
