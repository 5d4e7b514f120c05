import ServiceClients
import StratusKit

/// The server actions a host carries out through its driver, each ending in the vm_state,
/// power state and (cleared) task state Nova leaves, and teardown on delete.
extension ComputeAgent {
    func perform(_ action: String, on uuid: String, args: [String: JSONValue], context: MessagingContext) async {
        guard let instance = try? await instance(uuid), instance.host == host else { return }
        if await performImageAction(action, on: uuid, args: args, context: context) { return }
        if await performMigrationAction(action, on: uuid, args: args, context: context) { return }
        if await performGuestAccessAction(action, on: uuid, context: context) { return }
        let transitions: [String: (event: String, run: @Sendable () async throws -> Void, vmState: String, power: PowerState)] = [
            "start": ("compute_start_instance", { try await self.driver.powerOn(uuid) }, VMState.active, .running),
            "stop": ("compute_stop_instance", { try await self.driver.powerOff(uuid) }, VMState.stopped, .shutdown),
            "reboot": ("compute_reboot_instance", { try await self.driver.reboot(uuid, kind: .soft) }, VMState.active, .running),
            "reboot_hard": ("compute_reboot_instance", { try await self.driver.reboot(uuid, kind: .hard) }, VMState.active, .running),
            "pause": ("compute_pause_instance", { try await self.driver.pause(uuid) }, VMState.paused, .paused),
            "unpause": ("compute_unpause_instance", { try await self.driver.unpause(uuid) }, VMState.active, .running),
            "suspend": ("compute_suspend_instance", { try await self.driver.suspend(uuid) }, VMState.suspended, .suspended),
            "resume": ("compute_resume_instance", { try await self.driver.resume(uuid) }, VMState.active, .running),
            "rescue": (
                "compute_rescue_instance", { try await self.driver.rescue(uuid, rescueImageID: instance.imageRef) },
                VMState.rescued, .running
            ),
            "unrescue": ("compute_unrescue_instance", { try await self.driver.unrescue(uuid) }, VMState.active, .running),
            // A soft-deleted guest is only powered off; the reclaim (or forceDelete) removes it.
            "soft_delete": ("compute_soft_delete_instance", { try await self.driver.powerOff(uuid) }, VMState.softDeleted, .shutdown),
            "restore": ("compute_restore_instance", { try await self.driver.powerOn(uuid) }, VMState.active, .running),
        ]
        guard let transition = transitions[action] else {
            try? await withEvent("compute_\(action)", instance: uuid, requestID: context.requestID) {
                try await self.setTaskState(uuid, nil)
                throw VirtDriverError(.failed, "The action \(action) is not carried out by this compute host.")
            }
            return
        }
        do {
            try await withEvent(transition.event, instance: uuid, requestID: context.requestID) {
                try await transition.run()
                try await write { q in
                    guard var current = try await q.instance(uuid: uuid) else { return }
                    current.vmState = transition.vmState
                    current.taskState = nil
                    current.powerState = transition.power.rawValue
                    try await q.save(current)
                }
            }
        } catch {
            // Nova reverts the task state and leaves the vm_state; the event holds the error.
            try? await setTaskState(uuid, nil)
            logger.warning("\(action) of \(uuid) on \(host) failed: \(error)", metadata: ["request_id": "\(context.requestID)"])
        }
    }

    /// Destroys the guest, then releases ports and allocations and marks the server deleted.
    /// - Parameter context: the deleting user's, whose token Block Storage sees; nil for
    ///   the host's own sweeps (the service's token then).
    func terminate(_ uuid: String, requestID: String, context: MessagingContext? = nil) async {
        do {
            do {
                try await driver.destroy(uuid, destroyDisks: true)
            } catch let error as VirtDriverError where error.kind == .guestNotFound {
                // Already gone from the hypervisor: finish the bookkeeping.
            }
            var volumeCaller: VolumeCaller?
            if let token = context?.authToken, let project = context?.projectID {
                volumeCaller = VolumeCaller(token: token, projectID: project)
            }
            try await ServerTeardown(database: database, backends: backends, logger: logger)
                .finishDelete(uuid, requestID: requestID, host: host, volumeCaller: volumeCaller)
            try? await reportResources()
        } catch {
            logger.error("delete of \(uuid) on \(host) failed: \(error)", metadata: ["request_id": "\(requestID)"])
        }
    }

    /// Level-triggered repair: servers of this host stuck in `deleting` are torn down
    /// again, builds that never finished are handed back to the conductor.
    func reconcile() async {
        let host = self.host
        let stale = Timestamp.now().adding(seconds: -Int64(120))
        guard
            let instances = try? await database.read({ sql in
                try await ComputeQueries(sql: sql).instances(projectID: nil, includeDeleted: false, host: host)
            })
        else { return }
        for instance in instances where instance.updatedAt < stale {
            if instance.taskState == TaskState.deleting {
                await terminate(instance.uuid, requestID: "req-reconcile-\(IDGenerator.hex().prefix(12))")
            } else if instance.vmState == VMState.building {
                await buildAndRun(
                    instance.uuid, alternates: [],
                    context: MessagingContext(
                        userID: instance.userID, projectID: instance.projectID, roles: ["admin"],
                        requestID: "req-" + IDGenerator.uuid()))
            }
        }
    }
}
