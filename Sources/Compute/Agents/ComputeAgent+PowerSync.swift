import StratusKit

/// Nova's `_sync_power_states`: every `compute.sync_power_state_interval` seconds the host
/// asks its driver for each of its servers' power state, records it, and where the guest
/// changed behind the cloud's back applies Nova's rule: a server that should run (ACTIVE)
/// but whose guest shut down, crashed or suspended, or a PAUSED one whose guest shut down,
/// is stopped through the stop action (vm_state `stopped`); a STOPPED server whose guest
/// runs again is powered off. Servers with a task under way are left to that task.
extension ComputeAgent {
    func syncPowerStates() async {
        let host = self.host
        guard
            let instances = try? await database.read({ sql in
                try await ComputeQueries(sql: sql).instances(projectID: nil, includeDeleted: false, host: host)
            })
        else { return }
        for instance in instances where instance.taskState == nil {
            await syncPowerState(of: instance.uuid)
        }
    }

    /// Syncs one server; true when it was stopped to match its guest.
    @discardableResult
    func syncPowerState(of uuid: String) async -> Bool {
        let observed: PowerState
        do {
            observed = try await driver.info(uuid).state
        } catch let error as VirtDriverError where error.kind == .guestNotFound {
            observed = .noState
        } catch {
            return false
        }
        let host = self.host
        let requestID = RequestIDGenerator.next()
        let stopping = try? await write { q -> Bool in
            guard var current = try await q.instance(uuid: uuid), current.host == host, current.taskState == nil else {
                return false
            }
            current.powerState = observed.rawValue
            let stop = Self.mustStop(vmState: current.vmState, observed: observed)
            if stop {
                current.taskState = TaskState.poweringOff
                try await q.startAction(
                    "stop", instanceUUID: uuid, requestID: requestID, projectID: current.projectID, userID: current.userID)
            }
            try await q.save(current)
            return stop
        }
        guard stopping == true else { return false }
        logger.info("\(uuid) on \(host): the guest is \(observed.name) while the server is not; stopping it")
        do {
            try await withEvent("compute_stop_instance", instance: uuid, requestID: requestID) {
                try await self.driver.powerOff(uuid)
                try await self.setTaskState(uuid, nil) {
                    $0.vmState = VMState.stopped
                    $0.powerState = PowerState.shutdown.rawValue
                }
            }
        } catch {
            try? await setTaskState(uuid, nil)
        }
        return true
    }

    /// Nova's rule for a guest whose power state disagrees with the server's vm_state.
    static func mustStop(vmState: String, observed: PowerState) -> Bool {
        switch vmState {
        case VMState.active: [.shutdown, .crashed, .suspended].contains(observed)
        case VMState.stopped: ![.noState, .shutdown, .crashed].contains(observed)
        case VMState.paused: [.shutdown, .crashed].contains(observed)
        default: false
        }
    }
}
