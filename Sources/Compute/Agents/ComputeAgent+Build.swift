import ServiceClients
import Foundation
import StratusKit

/// `build_and_run_instance`: ports through the Network API (created or bound to this host),
/// the guest through the virt driver, then ACTIVE / running. A failure cleans up what the
/// attempt made, gives back the host's allocation and asks the conductor to reschedule.
extension ComputeAgent {
    func buildAndRun(_ uuid: String, alternates: [HostSelection], context: MessagingContext) async {
        guard let instance = try? await instance(uuid), instance.vmState == VMState.building, instance.host == host
        else { return }
        var madePorts: [String] = []
        var volumes = BootVolumeProgress()
        do {
            try await withEvent("compute_build_and_run_instance", instance: uuid, requestID: context.requestID) {
                try await setTaskState(uuid, TaskState.networking)
                let vifs = try await plugNetworks(instance, madePorts: &madePorts)
                try await setTaskState(uuid, TaskState.blockDeviceMapping) { $0.networkInfo = vifs }
                let guestVolumes = try await prepareBootVolumes(instance, context: context, progress: &volumes)
                try await setTaskState(uuid, TaskState.spawning)
                var plugged = instance
                plugged.networkInfo = vifs
                var guest = try await guestSpec(
                    plugged, imageID: instance.imageRef.isEmpty ? nil : instance.imageRef,
                    interfaces: vifs.map {
                        GuestInterface(portID: $0.portID, macAddress: $0.macAddress, networkID: $0.networkID, fixedIPs: $0.addresses)
                    })
                guest.volumes = guestVolumes
                try await driver.spawn(guest, powerOn: true)
                try await completeBootVolumes(volumes, instance: instance, context: context)
                try await write { q in
                    guard var current = try await q.instance(uuid: uuid) else { return }
                    current.vmState = VMState.active
                    current.taskState = nil
                    current.powerState = PowerState.running.rawValue
                    current.launchedAt = .now()
                    current.progress = 100
                    current.networkInfo = vifs
                    current.rootDeviceName = "/dev/vda"
                    try await q.save(current)
                }
            }
            try? await reportResources()
        } catch {
            let message = (error as? VirtDriverError)?.message ?? "\(error)"
            logger.warning("build of \(uuid) on \(host) failed: \(message)", metadata: ["request_id": "\(context.requestID)"])
            await cleanUpFailedBuild(uuid, madePorts: madePorts)
            await releaseBootVolumes(volumes, instanceUUID: uuid, projectID: instance.projectID, context: context)
            // A volume that cannot be made or connected fails the server here, as Nova's
            // BuildAbortException does; other failures are tried on another host.
            let aborted = error is BootVolumeError
            try? await backends.bus.cast(
                ComputeRPC.conductor, method: ComputeRPC.Method.buildInstances,
                args: [
                    "instance_uuids": [.string(uuid)], "alternates": .array(aborted ? [] : alternates.map(\.json)),
                    "failure": .string("Build of instance \(uuid) aborted on \(host): \(message)"),
                    "abort": .bool(aborted),
                ], context: context)
        }
    }

    /// The server's interfaces: a port created on each requested network (or the given
    /// port), bound to this host so the Network service wires it.
    private func plugNetworks(_ instance: InstanceRecord, madePorts: inout [String]) async throws -> [InstanceVIF] {
        let network = backends.network
        let networkIDs = Array(Set(instance.request.networks.compactMap(\.networkID)))
        var names = Dictionary(
            try await network.networks(ids: networkIDs).map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        var vifs: [InstanceVIF] = []
        let owner = portOwner(of: instance)
        for requested in instance.request.networks {
            let port: PortSummary
            var created = false
            if let portID = requested.portID {
                port = try await network.bindPort(id: portID, hostID: host, deviceID: instance.uuid, deviceOwner: owner)
            } else if let networkID = requested.networkID {
                port = try await network.createPort(
                    PortCreateRequest(
                        networkID: networkID, projectID: instance.projectID,
                        fixedIPs: requested.fixedIP.map { [PortFixedIP(subnetID: nil, ipAddress: $0)] } ?? [],
                        securityGroups: instance.request.securityGroupIDs.isEmpty ? nil : instance.request.securityGroupIDs,
                        deviceID: instance.uuid, deviceOwner: owner, hostID: host, name: nil))
                madePorts.append(port.id)
                created = true
            } else {
                continue
            }
            if names[port.networkID] == nil, let summary = try await network.network(id: port.networkID) {
                names[port.networkID] = summary.name
            }
            vifs.append(
                InstanceVIF(
                    portID: port.id, networkID: port.networkID, networkName: names[port.networkID] ?? port.networkID,
                    macAddress: port.macAddress, addresses: port.fixedIPs.compactMap(\.ipAddress),
                    createdByCompute: created, tag: requested.tag))
        }
        return vifs
    }

    private func cleanUpFailedBuild(_ uuid: String, madePorts: [String]) async {
        try? await driver.destroy(uuid, destroyDisks: true)
        for port in madePorts { try? await backends.network.deletePort(id: port) }
        if let instance = try? await instance(uuid) {
            for portID in instance.request.networks.compactMap(\.portID) { try? await backends.network.unbindPort(id: portID) }
        }
        try? await backends.placement.deleteAllocations(consumerUUID: uuid)
        try? await write { q in
            guard var current = try await q.instance(uuid: uuid) else { return }
            current.networkInfo = []
            current.taskState = TaskState.scheduling
            current.host = nil
            current.node = nil
            try await q.save(current)
        }
    }

    /// The `device_owner` of a server's ports, as Nova sets it: `compute:<zone>`.
    func portOwner(of instance: InstanceRecord) -> String {
        "compute:" + (instance.availabilityZone ?? configuration.defaultAvailabilityZone)
    }

    func setTaskState(_ uuid: String, _ task: String?, _ change: (@Sendable (inout InstanceRecord) -> Void)? = nil) async throws {
        try await write { q in
            guard var current = try await q.instance(uuid: uuid) else { return }
            current.taskState = task
            change?(&current)
            try await q.save(current)
        }
    }
}
