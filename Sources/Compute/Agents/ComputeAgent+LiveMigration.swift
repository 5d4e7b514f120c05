import StratusKit

/// Live migration on the hosts, in Nova's steps and migration statuses: the source takes the
/// cast (`queued`), has the destination prepare (`preparing`), transfers the guest through
/// its driver (`running`), has the destination take it over (`post-migrating`) and records
/// the server on its new host (`completed`), the source's allocation dropped. A failure
/// before the guest left rolls back: the destination drops its copy, the server stays on
/// the source with its allocation restored, and the migration is `error` (`cancelled` when
/// an operator aborted it).
extension ComputeAgent {
    static let liveMigrationMethod = "live_migration"
    static let preLiveMigrationMethod = "pre_live_migration"
    static let postLiveMigrationAtDestinationMethod = "post_live_migration_at_destination"
    static let rollbackLiveMigrationAtDestinationMethod = "rollback_live_migration_at_destination"
    static let liveMigrationForceCompleteMethod = "live_migration_force_complete"
    static let liveMigrationAbortMethod = "live_migration_abort"

    func registerLiveMigration(on endpoint: inout RPCEndpoint) {
        endpoint.on(Self.liveMigrationMethod) { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue,
                let migrationUUID = request.args["migration_uuid"]?.stringValue,
                let destHost = request.args["dest_host"]?.stringValue
            else { return .null }
            await self.liveMigrate(
                uuid, migrationUUID: migrationUUID, destHost: destHost,
                destNode: request.args["dest_node"]?.stringValue ?? destHost, context: request.context)
            return .null
        }
        endpoint.on(Self.preLiveMigrationMethod) { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue, let instance = try await self.instance(uuid) else {
                throw VirtDriverError(.guestNotFound, "Instance could not be found.")
            }
            let state = request.args["power_state"]?.intValue.flatMap { PowerState(rawValue: Int($0)) } ?? .running
            try await self.driver.prepareIncomingLiveMigration(self.arrivingGuest(instance), state: state)
            try? await self.reportResources()
            return .null
        }
        endpoint.on(Self.postLiveMigrationAtDestinationMethod) { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue, let instance = try await self.instance(uuid) else {
                throw VirtDriverError(.guestNotFound, "Instance could not be found.")
            }
            try await self.driver.finishIncomingLiveMigration(uuid)
            let owner = self.portOwner(of: instance)
            for vif in instance.networkInfo {
                _ = try await self.backends.network.bindPort(id: vif.portID, hostID: self.host, deviceID: uuid, deviceOwner: owner)
            }
            try? await self.reportResources()
            return .null
        }
        endpoint.on(Self.rollbackLiveMigrationAtDestinationMethod) { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue else { return .null }
            try await self.driver.rollbackIncomingLiveMigration(uuid)
            try? await self.reportResources()
            return .null
        }
        endpoint.on(Self.liveMigrationForceCompleteMethod) { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue else { return .null }
            try await self.withEvent("compute_live_migration_force_complete", instance: uuid, requestID: request.context.requestID) {
                try await self.driver.forceCompleteLiveMigration(uuid)
            }
            return .null
        }
        endpoint.on(Self.liveMigrationAbortMethod) { request in
            guard let uuid = request.args["instance_uuid"]?.stringValue,
                let migrationUUID = request.args["migration_uuid"]?.stringValue
            else { return .null }
            try await self.withEvent("compute_live_migration_abort", instance: uuid, requestID: request.context.requestID) {
                try await self.abortLiveMigration(uuid, migrationUUID: migrationUUID)
            }
            return .null
        }
    }

    /// The guest as the destination builds it: the server's size and its ports as they are.
    func arrivingGuest(_ instance: InstanceRecord) -> GuestSpec {
        GuestSpec(
            uuid: instance.uuid, name: instance.instanceName, hostname: instance.hostname, flavor: instance.flavor.guestFlavor,
            imageID: instance.imageRef.isEmpty ? nil : instance.imageRef,
            interfaces: instance.networkInfo.map {
                GuestInterface(portID: $0.portID, macAddress: $0.macAddress, networkID: $0.networkID, fixedIPs: $0.addresses)
            },
            userData: instance.userData, keyData: instance.keyData)
    }

    /// The source's side of the transfer, from the conductor's cast to the end.
    func liveMigrate(_ uuid: String, migrationUUID: String, destHost: String, destNode: String, context: MessagingContext) async {
        let destination = ComputeRPC.compute(host: destHost)
        let target: [String: JSONValue] = ["instance_uuid": .string(uuid)]
        var prepared = false
        var transferred = false
        do {
            try await withEvent("compute_live_migration", instance: uuid, requestID: context.requestID) {
                guard let instance = try await self.instance(uuid), instance.host == self.host,
                    instance.taskState == TaskState.migrating
                else { throw VirtDriverError(.invalidState, "Instance \(uuid) is not migrating from \(self.host).") }
                try await self.advanceLiveMigration(migrationUUID, to: "queued")
                try await self.advanceLiveMigration(migrationUUID, to: "preparing")
                var prepare = target
                prepare["power_state"] = .int(Int64(instance.powerState))
                _ = try await self.backends.bus.call(
                    destination, method: Self.preLiveMigrationMethod, args: prepare, context: context, timeout: .seconds(60))
                prepared = true
                try await self.advanceLiveMigration(migrationUUID, to: "running")
                try await self.driver.liveMigrate(uuid, to: destHost)
                transferred = true
                try await self.setMigrationStatus(migrationUUID, "post-migrating")
                try await self.setTaskState(uuid, TaskState.migrating) {
                    $0.host = destHost
                    $0.node = destNode
                }
                _ = try await self.backends.bus.call(
                    destination, method: Self.postLiveMigrationAtDestinationMethod, args: target, context: context,
                    timeout: .seconds(60))
                try await self.setTaskState(uuid, nil)
                try await self.backends.placement.deleteAllocations(consumerUUID: migrationUUID)
                try await self.setMigrationStatus(migrationUUID, "completed")
            }
            try? await reportResources()
        } catch {
            logger.warning("live migration of \(uuid) to \(destHost) failed: \(error)", metadata: ["request_id": "\(context.requestID)"])
            if transferred {
                // The guest left the source but the destination did not take it over: as
                // Nova, the server is in ERROR on the destination, where the guest is.
                try? await setMigrationStatus(migrationUUID, "error")
                try? await backends.placement.deleteAllocations(consumerUUID: migrationUUID)
                try? await setTaskState(uuid, nil) {
                    $0.host = destHost
                    $0.node = destNode
                    $0.vmState = VMState.error
                }
                return
            }
            if prepared {
                _ = try? await backends.bus.call(
                    destination, method: Self.rollbackLiveMigrationAtDestinationMethod, args: target, context: context,
                    timeout: .seconds(60))
            }
            if let instance = try? await instance(uuid) {
                await backends.restoreSourceAllocation(instance, migrationUUID: migrationUUID)
            }
            let aborted = (error as? VirtDriverError)?.kind == .aborted
            try? await setMigrationStatus(migrationUUID, aborted ? "cancelled" : "error")
            try? await setTaskState(uuid, nil)
        }
    }

    /// Stops the transfer of `uuid`: the driver's when it runs; before it runs, the
    /// migration is marked so the source does not start it.
    private func abortLiveMigration(_ uuid: String, migrationUUID: String) async throws {
        let status = try await migrationStatus(migrationUUID)
        if status == "queued" || status == "preparing" {
            try await setMigrationStatus(migrationUUID, "cancelling")
            return
        }
        try await driver.abortLiveMigration(uuid)
    }

    /// Moves a live migration on, unless an abort marked it `cancelling` meanwhile.
    private func advanceLiveMigration(_ uuid: String, to status: String) async throws {
        let aborted = try await write { q -> Bool in
            guard try await q.migration(uuid: uuid)?.status != "cancelling" else { return true }
            try await q.updateMigration(uuid: uuid, status: status)
            return false
        }
        if aborted { throw VirtDriverError(.aborted, "Live migration \(uuid) was aborted before the transfer started.") }
    }

    func migrationStatus(_ uuid: String) async throws -> String? {
        try await database.read { try await ComputeQueries(sql: $0).migration(uuid: uuid)?.status }
    }
}
