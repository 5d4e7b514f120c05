import StratusKit

/// Evacuation (Nova's conductor `rebuild_instance` with `evacuate`): the server's host is
/// down, so the conductor holds its allocation there under the migration (released when
/// that host comes back and cleans up), asks the scheduler for another host (the requested
/// one only, never the old one) and casts the rebuild to it. No host: the server goes to
/// ERROR with the scheduler's reason, its allocation back on the old host, the migration
/// in `error`.
extension ComputeConductor {
    func evacuate(
        _ uuid: String, migrationUUID: String, requestedHost: String?, targetState: String?, context: MessagingContext
    ) async {
        guard let instance = try? await Self.awaitInstance(uuid, in: database), let source = instance.host else { return }
        var held: [String: [String: Int]] = [:]
        do {
            let chosen = try await scheduleMoveOffSource(
                instance, source: source, migrationUUID: migrationUUID, requestedHost: requestedHost, held: &held,
                context: context)
            try await recordConductorEvent("conductor_rebuild_server", uuid: uuid, requestID: context.requestID, error: nil)
            var rebuild: [String: JSONValue] = [
                "instance_uuid": .string(uuid), "migration_uuid": .string(migrationUUID), "dest_node": .string(chosen.nodename),
            ]
            if let targetState { rebuild["target_state"] = .string(targetState) }
            try await backends.bus.cast(
                ComputeRPC.compute(host: chosen.host), method: ComputeAgent.evacuationMethod, args: rebuild, context: context)
        } catch {
            let message = (error as? RemoteError)?.message ?? "\(error)"
            await backends.restoreSourceAllocation(instance, migrationUUID: migrationUUID, held: held)
            try? await database.write { sql in
                let q = ComputeQueries(sql: sql)
                try await q.updateMigration(uuid: migrationUUID, status: "error")
                guard var current = try await q.instance(uuid: uuid) else { return }
                current.vmState = VMState.error
                current.taskState = nil
                try await q.save(current)
                try await q.addFault(
                    InstanceFault(instanceUUID: uuid, code: 500, message: message, details: "", host: nil, createdAt: .now()))
            }
            try? await recordConductorEvent("conductor_rebuild_server", uuid: uuid, requestID: context.requestID, error: message)
        }
    }
}
