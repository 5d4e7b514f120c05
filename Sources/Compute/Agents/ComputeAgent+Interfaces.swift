import ServiceClients
import StratusKit

/// Interface hot-plug (Nova's `attach_interface` / `detach_interface` on the compute host):
/// the port is created on the requested network or the given one is bound to this host,
/// plugged into the guest by the driver, and recorded in the server's network info; detach
/// unplugs it, then deletes a port Compute made and only unbinds one the user passed in.
extension ComputeAgent {
    static let attachInterfaceMethod = "attach_interface"
    static let detachInterfaceMethod = "detach_interface"

    /// Attaches a port (`portID`) or a new port on `networkID` (with `fixedIP` when given);
    /// returns the port's id. Errors are the API's (`APIError`), sent back to the caller.
    func attachInterface(
        _ uuid: String, networkID: String?, portID: String?, fixedIP: String?, tag: String?, context: MessagingContext
    ) async throws -> String {
        guard let instance = try await instance(uuid), instance.host == host else {
            throw ComputeErrors.conflict("Instance \(uuid) is not ready")
        }
        return try await withEvent("compute_attach_interface", instance: uuid, requestID: context.requestID) {
            let (port, created) = try await portToAttach(instance, networkID: networkID, portID: portID, fixedIP: fixedIP)
            let network = backends.network
            do {
                try await driver.attachInterface(
                    uuid,
                    GuestInterface(
                        portID: port.id, macAddress: port.macAddress, networkID: port.networkID,
                        fixedIPs: port.fixedIPs.compactMap(\.ipAddress)))
            } catch {
                logger.warning(
                    "attaching port \(port.id) to \(uuid) on \(host) failed: \(error)",
                    metadata: ["request_id": "\(context.requestID)"])
                if created { try? await network.deletePort(id: port.id) } else { try? await network.unbindPort(id: port.id) }
                throw APIError(.internalServerError, "Failed to attach network adapter device to \(uuid)")
            }
            let networkName = (try? await network.network(id: port.networkID))?.name ?? port.networkID
            let vif = InstanceVIF(
                portID: port.id, networkID: port.networkID, networkName: networkName, macAddress: port.macAddress,
                addresses: port.fixedIPs.compactMap(\.ipAddress), createdByCompute: created, tag: tag)
            try await write { q in
                try await q.lockInstance(uuid)
                guard var current = try await q.instance(uuid: uuid) else { return }
                current.networkInfo.append(vif)
                try await q.save(current)
            }
            return port.id
        }
    }

    /// The port for an attach, bound to this host for the server: the user's port when it
    /// is theirs and free, else a new one on the network (the only one available to the
    /// project when none is named). `created` says whether Compute made it.
    private func portToAttach(
        _ instance: InstanceRecord, networkID: String?, portID: String?, fixedIP: String?
    ) async throws -> (port: PortSummary, created: Bool) {
        let network = backends.network
        let owner = portOwner(of: instance)
        do {
            if let portID {
                // Another project's port is as invisible to the caller as in Networking.
                guard let existing = try await network.port(id: portID), existing.projectID == instance.projectID else {
                    throw ComputeErrors.notFound("Port id \(portID) could not be found.")
                }
                guard existing.deviceID.isEmpty else { throw ComputeErrors.conflict("Port \(portID) is still in use.") }
                let bound = try await network.bindPort(id: portID, hostID: host, deviceID: instance.uuid, deviceOwner: owner)
                return (bound, false)
            }
            let chosen = try await networkToAttach(networkID, projectID: instance.projectID)
            do {
                let port = try await network.createPort(
                    PortCreateRequest(
                        networkID: chosen, projectID: instance.projectID,
                        fixedIPs: fixedIP.map { [PortFixedIP(ipAddress: $0)] } ?? [],
                        securityGroups: instance.request.securityGroupIDs.isEmpty ? nil : instance.request.securityGroupIDs,
                        deviceID: instance.uuid, deviceOwner: owner, hostID: host, name: nil))
                return (port, true)
            } catch let error as ServiceClientError where error.status == 409 {
                if let fixedIP {
                    throw ComputeErrors.conflict("Fixed IP address \(fixedIP) is already in use on instance \(instance.uuid).")
                }
                throw ComputeErrors.badRequest("Zero fixed IPs available.")
            } catch let error as ServiceClientError where error.status == 400 {
                throw ComputeErrors.badRequest(error.message)
            }
        } catch let error as ServiceClientError {
            throw APIError(.internalServerError, "Failed to attach network adapter device to \(instance.uuid): \(error.message)")
        }
    }

    /// The network named (404 unless the project may use it), or the only one available.
    private func networkToAttach(_ networkID: String?, projectID: String) async throws -> String {
        let network = backends.network
        if let networkID {
            guard let summary = try await network.network(id: networkID), summary.shared || summary.projectID == projectID
            else { throw ComputeErrors.notFound("Network \(networkID) could not be found.") }
            return summary.id
        }
        let available = try await network.networksAvailable(toProject: projectID)
        guard let only = available.first else {
            throw ComputeErrors.badRequest("No specific network was requested and none are available for project '\(projectID)'.")
        }
        guard available.count == 1 else {
            throw ComputeErrors.badRequest(
                "More than one possible network found. Specify network ID(s) to select which one(s) to connect to.")
        }
        return only.id
    }

    /// Unplugs the port from the guest, deletes it (made by Compute) or unbinds it (the
    /// user's), and drops it from the server's network info. A failure leaves the interface
    /// recorded and attached; the action's event holds the error.
    func detachInterface(_ uuid: String, portID: String, context: MessagingContext) async {
        do {
            try await withEvent("compute_detach_interface", instance: uuid, requestID: context.requestID) {
                guard let instance = try await instance(uuid), instance.host == host,
                    let vif = instance.networkInfo.first(where: { $0.portID == portID })
                else { throw ComputeErrors.notFound("Port \(portID) is not attached") }
                do {
                    try await driver.detachInterface(uuid, portID: portID)
                } catch let error as VirtDriverError where error.kind == .guestNotFound {
                    // No guest to unplug from: release the port all the same.
                }
                if vif.createdByCompute {
                    try await backends.network.deletePort(id: portID)
                } else {
                    try await backends.network.unbindPort(id: portID)
                }
                try await write { q in
                    try await q.lockInstance(uuid)
                    guard var current = try await q.instance(uuid: uuid) else { return }
                    current.networkInfo.removeAll { $0.portID == portID }
                    try await q.save(current)
                }
            }
        } catch {
            logger.warning(
                "detaching port \(portID) from \(uuid) on \(host) failed: \(error)",
                metadata: ["request_id": "\(context.requestID)"])
        }
    }
}
