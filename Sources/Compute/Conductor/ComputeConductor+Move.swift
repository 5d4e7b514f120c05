import StratusKit

/// Unshelve, resize and cold migration: the conductor asks the scheduler for a host (for a
/// resize, sized by the new flavor), and hands the server to that host's agent. During a
/// resize the server's old allocation is held by the migration's own consumer, so the
/// source's resources stay claimed until confirm or revert, as Nova holds them.
extension ComputeConductor {
    func moveToNewHost(_ uuid: String, action: String, context: MessagingContext) async {
        guard let instance = try? await database.read({ try await ComputeQueries(sql: $0).instance(uuid: uuid) }) else {
            return
        }
        let isResize = action == "resize" || action == "migrate"
        var migrationUUID: String?
        var heldAllocations: [String: [String: Int]] = [:]
        do {
            var args: [String: JSONValue] = ["instance_uuid": .string(uuid)]
            if isResize, let source = instance.host {
                let current = try await backends.placement.allocations(consumerUUID: uuid)
                heldAllocations = current.allocations
                let holder = IDGenerator.uuid()
                try await recordMigration(
                    instance, uuid: holder, type: action == "migrate" ? "migration" : "resize", status: "pre-migrating",
                    destHost: nil)
                migrationUUID = holder
                guard try await backends.placement.claimAllocations(
                    consumerUUID: holder, allocations: heldAllocations, projectID: instance.projectID,
                    userID: instance.userID, consumerGeneration: nil)
                else {
                    heldAllocations = [:]
                    throw NoValidHost(reason: "The source allocation could not be moved.")
                }
                try await backends.placement.deleteAllocations(consumerUUID: uuid)
                args["use_new_flavor"] = true
                if action == "migrate" { args["ignore_hosts"] = [.string(source)] }
            }
            // As Nova's unshelve resets the request's retries and forced destinations: the
            // hosts the first build tried (the one it ran on too) may take the server again.
            if action == "unshelve" { args["is_move"] = true }
            let reply = try await backends.bus.call(
                ComputeRPC.scheduler, method: ComputeRPC.Method.selectDestinations, args: args, context: context,
                timeout: .seconds(60))
            guard let chosen = reply.arrayValue?.compactMap(HostSelection.init(json:)).first else {
                throw NoValidHost(reason: "The scheduler chose no host.")
            }
            let next: String
            if isResize, let migrationUUID, let source = instance.host {
                let sourceNode = instance.node ?? source
                try await database.write { sql in
                    let q = ComputeQueries(sql: sql)
                    guard var current = try await q.instance(uuid: uuid) else { return }
                    current.request.migration = PendingMigration(
                        uuid: migrationUUID, sourceHost: source, sourceNode: sourceNode,
                        kind: action == "migrate" ? "migration" : "resize", status: "migrating")
                    current.taskState = TaskState.resizeMigrating
                    current.host = chosen.host
                    current.node = chosen.nodename
                    try await q.save(current)
                    try await q.updateMigration(
                        uuid: migrationUUID, status: "migrating", destCompute: chosen.host, destNode: chosen.nodename)
                }
                try await recordConductorEvent("conductor_migrate_server", uuid: uuid, requestID: context.requestID, error: nil)
                if chosen.host != source {
                    _ = try await backends.bus.call(
                        ComputeRPC.compute(host: source), method: ComputeAgent.migrationSourceMethod,
                        args: ["instance_uuid": .string(uuid), "step": "power_off"], context: context, timeout: .seconds(60))
                }
                next = "finish_migration"
            } else {
                try await database.write { sql in
                    let q = ComputeQueries(sql: sql)
                    guard var current = try await q.instance(uuid: uuid) else { return }
                    current.host = chosen.host
                    current.node = chosen.nodename
                    current.availabilityZone = current.requestedAvailabilityZone ?? current.availabilityZone
                    try await q.save(current)
                }
                next = action
            }
            try await backends.bus.cast(
                ComputeRPC.compute(host: chosen.host), method: ComputeRPC.Method.instanceAction,
                args: ["instance_uuid": .string(uuid), "action": .string(next)], context: context)
        } catch {
            // Nothing moved: give the source its allocation back and leave the server as it was.
            if let migrationUUID, !heldAllocations.isEmpty {
                _ = try? await backends.placement.claimAllocations(
                    consumerUUID: uuid, allocations: heldAllocations, projectID: instance.projectID,
                    userID: instance.userID, consumerGeneration: nil)
                try? await backends.placement.deleteAllocations(consumerUUID: migrationUUID)
            }
            if let migrationUUID {
                try? await database.write { try await ComputeQueries(sql: $0).updateMigration(uuid: migrationUUID, status: "error") }
            }
            let message = (error as? RemoteError)?.message ?? "\(error)"
            try? await database.write { sql in
                let q = ComputeQueries(sql: sql)
                guard var current = try await q.instance(uuid: uuid) else { return }
                current.taskState = nil
                current.newFlavor = nil
                try await q.save(current)
                try await q.addFault(
                    InstanceFault(instanceUUID: uuid, code: 400, message: message, details: "", host: nil, createdAt: .now()))
                if let actionID = try await q.actionID(instanceUUID: uuid, requestID: context.requestID) {
                    let event = try await q.startEvent("conductor_migrate_server", actionID: actionID, host: nil)
                    try await q.finishEvent(event, actionID: actionID, error: message)
                }
            }
        }
    }
}
