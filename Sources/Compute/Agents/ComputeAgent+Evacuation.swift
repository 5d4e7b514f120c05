import StratusKit

/// Evacuation on the hosts. The destination rebuilds the server from its image (Nova's
/// `rebuild_instance` with `evacuate`): migration `pre-migrating`, ports bound here, a new
/// guest spawned, the server ACTIVE (STOPPED when it was stopped, or from 2.95) on this
/// host, migration `done`. A failure leaves the server in ERROR on its old host with its
/// allocation there, the migration `failed`. The old host's agent, as soon as it runs (at
/// its start and with each heartbeat), destroys the guest it still has, drops the
/// allocation the migration held there, and marks the migration `completed`, as Nova's
/// `_destroy_evacuated_instances` does when nova-compute starts; only then may an operator
/// force the service up again.
extension ComputeAgent {
    static let evacuationMethod = "rebuild_instance"

    func registerEvacuation(on endpoint: inout RPCEndpoint) {
        endpoint.on(Self.evacuationMethod) { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue,
                let migrationUUID = request.args["migration_uuid"]?.stringValue
            else { return .null }
            await self.rebuildEvacuated(
                uuid, migrationUUID: migrationUUID, node: request.args["dest_node"]?.stringValue,
                stopped: request.args["target_state"]?.stringValue == VMState.stopped, context: request.context)
            return .null
        }
    }

    func rebuildEvacuated(_ uuid: String, migrationUUID: String, node: String?, stopped targetStopped: Bool, context: MessagingContext) async {
        let host = self.host
        guard let before = try? await instance(uuid), let sourceHost = before.host else { return }
        let sourceNode = before.node
        do {
            try await withEvent("compute_rebuild_instance", instance: uuid, requestID: context.requestID) {
                try await self.setMigrationStatus(migrationUUID, "pre-migrating")
                var destNode = node
                if destNode == nil { destNode = try await self.driver.hostResources().hostname }
                try await self.setTaskState(uuid, TaskState.rebuildSpawning) { [destNode] in
                    $0.host = host
                    $0.node = destNode
                }
                guard let instance = try await self.instance(uuid) else {
                    throw VirtDriverError(.guestNotFound, "Instance \(uuid) is gone.")
                }
                let stopped = targetStopped || instance.vmState == VMState.stopped
                try await self.spawnAgain(instance, imageID: instance.imageRef, powerOn: !stopped)
                try await self.setTaskState(uuid, nil) {
                    $0.vmState = stopped ? VMState.stopped : VMState.active
                    $0.powerState = (stopped ? PowerState.shutdown : PowerState.running).rawValue
                    $0.launchedOn = host
                }
                try await self.setMigrationStatus(migrationUUID, "done")
            }
            try? await reportResources()
        } catch {
            logger.warning("evacuation of \(uuid) to \(host) failed: \(error)", metadata: ["request_id": "\(context.requestID)"])
            try? await driver.destroy(uuid, destroyDisks: true)
            if let instance = try? await instance(uuid) {
                await backends.restoreSourceAllocation(instance, migrationUUID: migrationUUID)
            }
            try? await setMigrationStatus(migrationUUID, "failed")
            try? await setTaskState(uuid, nil) {
                $0.host = sourceHost
                $0.node = sourceNode
                $0.vmState = VMState.error
            }
            try? await write { q in
                try await q.addFault(
                    InstanceFault(instanceUUID: uuid, code: 500, message: "\(error)", details: "", host: host, createdAt: .now()))
            }
        }
    }

    /// On the old host of evacuated servers, whenever its agent runs: destroys the guests it
    /// still has and releases what their migrations held here.
    func cleanUpEvacuatedGuests() async {
        let host = self.host
        guard
            let migrations = try? await database.read({ sql in
                try await ComputeQueries(sql: sql).migrations(fromHost: host, type: "evacuation", status: "done")
            }),
            !migrations.isEmpty
        else { return }
        let guests = Set((try? await driver.listGuests()) ?? [])
        for migration in migrations {
            if guests.contains(migration.instanceUUID) {
                logger.info("destroying \(migration.instanceUUID) on \(host): it was evacuated to \(migration.destCompute ?? "another host")")
                try? await driver.destroy(migration.instanceUUID, destroyDisks: true)
            }
            try? await backends.placement.deleteAllocations(consumerUUID: migration.uuid)
            try? await setMigrationStatus(migration.uuid, "completed")
        }
        try? await reportResources()
    }
}
