import StratusKit

/// Resize and cold migration on the hosts: the destination finishes the move (same host:
/// the driver resizes in place; another host: the source's guest is powered off and a new
/// guest spawned here), then confirm cleans up the source and revert moves back.
extension ComputeAgent {
    static let migrationSourceMethod = "migration_source"

    /// Steps the conductor or the destination asks of the source host.
    func performOnSource(_ uuid: String, step: String) async throws {
        switch step {
        case "power_off": try? await driver.powerOff(uuid)
        case "destroy": try? await driver.destroy(uuid, destroyDisks: true)
        case "power_on": try await driver.powerOn(uuid)
        default: throw VirtDriverError(.failed, "Unknown migration step \(step).")
        }
        try? await reportResources()
    }

    func performMigrationAction(_ action: String, on uuid: String, args: [String: JSONValue], context: MessagingContext) async -> Bool {
        switch action {
        case "finish_migration":
            await runMigrationStep(uuid, event: "compute_finish_resize", context: context) { instance, migration in
                try await self.setMigrationStatus(migration.uuid, "post-migrating")
                let target = instance.newFlavor ?? instance.flavor
                let wasStopped = instance.powerState == PowerState.shutdown.rawValue
                if migration.sourceHost == self.host {
                    try await self.driver.resize(uuid, to: target.guestFlavor)
                } else {
                    var moved = instance
                    moved.flavor = target
                    try await self.spawnAgain(moved, imageID: instance.imageRef, powerOn: !wasStopped)
                }
                let node = try await self.driver.hostResources().hostname
                try await self.setTaskState(uuid, nil) {
                    $0.oldFlavor = $0.flavor
                    $0.flavor = target
                    $0.newFlavor = nil
                    $0.host = self.host
                    $0.node = node
                    $0.vmState = VMState.resized
                    $0.request.migration?.status = "finished"
                }
                try await self.setMigrationStatus(migration.uuid, "finished")
            }
        case "confirm_resize":
            await runMigrationStep(uuid, event: "compute_confirm_resize", context: context) { instance, migration in
                try await self.setMigrationStatus(migration.uuid, "confirming")
                if migration.sourceHost == self.host {
                    try await self.driver.confirmResize(uuid)
                } else {
                    _ = try await self.backends.bus.call(
                        ComputeRPC.compute(host: migration.sourceHost), method: Self.migrationSourceMethod,
                        args: ["instance_uuid": .string(uuid), "step": "destroy"], context: context, timeout: .seconds(60))
                }
                try await self.backends.placement.deleteAllocations(consumerUUID: migration.uuid)
                let stopped = instance.powerState == PowerState.shutdown.rawValue
                try await self.setTaskState(uuid, nil) {
                    $0.oldFlavor = nil
                    $0.vmState = stopped ? VMState.stopped : VMState.active
                    $0.request.migration = nil
                }
                try await self.setMigrationStatus(migration.uuid, "confirmed")
            }
        case "revert_resize":
            await runMigrationStep(uuid, event: "compute_revert_resize", context: context) { instance, migration in
                try await self.setMigrationStatus(migration.uuid, "reverting")
                let old = instance.oldFlavor ?? instance.flavor
                if migration.sourceHost == self.host {
                    try await self.driver.revertResize(uuid)
                } else {
                    try? await self.driver.destroy(uuid, destroyDisks: true)
                    for vif in instance.networkInfo {
                        _ = try await self.backends.network.bindPort(
                            id: vif.portID, hostID: migration.sourceHost, deviceID: uuid,
                            deviceOwner: self.portOwner(of: instance))
                    }
                    // The source's guest kept its volumes plugged; Block Storage connects them there again.
                    let volumes = try await self.reconnectVolumes(instance, host: migration.sourceHost)
                    do {
                        _ = try await self.backends.bus.call(
                            ComputeRPC.compute(host: migration.sourceHost), method: Self.migrationSourceMethod,
                            args: ["instance_uuid": .string(uuid), "step": "power_on"], context: context,
                            timeout: .seconds(60))
                    } catch {
                        await self.abandonReconnection(volumes, instance: instance)
                        throw error
                    }
                    try await self.finishReconnection(volumes, instance: instance)
                }
                let held = try await self.backends.placement.allocations(consumerUUID: migration.uuid)
                try await self.backends.placement.deleteAllocations(consumerUUID: uuid)
                _ = try await self.backends.placement.claimAllocations(
                    consumerUUID: uuid, allocations: held.allocations, projectID: instance.projectID,
                    userID: instance.userID, consumerGeneration: nil)
                try await self.backends.placement.deleteAllocations(consumerUUID: migration.uuid)
                try await self.setTaskState(uuid, nil) {
                    $0.flavor = old
                    $0.oldFlavor = nil
                    $0.host = migration.sourceHost
                    $0.node = migration.sourceNode
                    $0.vmState = VMState.active
                    $0.powerState = PowerState.running.rawValue
                    $0.request.migration = nil
                }
                try await self.setMigrationStatus(migration.uuid, "reverted")
            }
        default:
            return false
        }
        return true
    }

    /// Moves the migration record with `uuid` to `status`.
    func setMigrationStatus(_ uuid: String, _ status: String, destCompute: String? = nil, destNode: String? = nil) async throws {
        try await write { try await $0.updateMigration(uuid: uuid, status: status, destCompute: destCompute, destNode: destNode) }
    }

    /// Runs one step of a pending migration inside its instance action event; a failure
    /// leaves the server in ERROR with a fault, as Nova does for a failed resize.
    private func runMigrationStep(
        _ uuid: String, event: String, context: MessagingContext,
        _ body: @Sendable (InstanceRecord, PendingMigration) async throws -> Void
    ) async {
        do {
            try await withEvent(event, instance: uuid, requestID: context.requestID) {
                guard let instance = try await self.instance(uuid), let migration = instance.request.migration else {
                    throw VirtDriverError(.invalidState, "Instance \(uuid) has no migration in progress.")
                }
                try await body(instance, migration)
            }
            try? await reportResources()
        } catch {
            if let migration = try? await instance(uuid)?.request.migration {
                try? await setMigrationStatus(migration.uuid, "error")
            }
            try? await setTaskState(uuid, nil) { $0.vmState = VMState.error }
            try? await write { q in
                try await q.addFault(
                    InstanceFault(instanceUUID: uuid, code: 500, message: "\(error)", details: "", host: self.host, createdAt: .now()))
            }
        }
    }
}
