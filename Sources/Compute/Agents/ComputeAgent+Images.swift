import Foundation
import StratusKit

/// The host's side of the image actions: snapshot and backup (upload of the guest's disk),
/// shelve (snapshot, then the guest and its resources let go), unshelve (the guest back
/// from its shelved image on the host the conductor chose) and rebuild.
extension ComputeAgent {
    /// Runs the image action `action`; false when `action` is not one of them.
    func performImageAction(_ action: String, on uuid: String, args: [String: JSONValue], context: MessagingContext) async -> Bool {
        let requestID = context.requestID
        switch action {
        case "snapshot", "backup":
            guard let imageID = args["image_id"]?.stringValue else { return true }
            do {
                try await withEvent("compute_\(action == "snapshot" ? "snapshot_instance" : "backup_instance")", instance: uuid, requestID: requestID) {
                    try await self.setTaskState(uuid, TaskState.imageUploading)
                    try await self.uploadDisk(of: uuid, to: imageID)
                    if action == "backup", let type = args["backup_type"]?.stringValue,
                        let rotation = args["rotation"]?.intValue
                    {
                        try await self.rotateBackups(of: uuid, type: type, keep: Int(rotation))
                    }
                    try await self.setTaskState(uuid, nil)
                }
            } catch {
                try? await backends.image.deleteImage(id: imageID)
                try? await setTaskState(uuid, nil)
            }
        case "shelve":
            // A volume-backed server's disk stays in its boot volume: no image (as Nova).
            let imageID = args["image_id"]?.stringValue
            do {
                try await withEvent("compute_shelve_instance", instance: uuid, requestID: requestID) {
                    try await self.setTaskState(uuid, TaskState.shelvingImageUploading)
                    try await self.driver.powerOff(uuid)
                    if let imageID { try await self.uploadDisk(of: uuid, to: imageID) }
                    try await self.setTaskState(uuid, TaskState.shelvingOffloading)
                    try await self.offload(uuid)
                }
            } catch {
                if let imageID { try? await backends.image.deleteImage(id: imageID) }
                try? await setTaskState(uuid, nil) { $0.request.shelvedImageID = nil }
            }
        case "unshelve":
            do {
                try await withEvent("compute_unshelve_instance", instance: uuid, requestID: requestID) {
                    guard let instance = try await self.instance(uuid) else { return }
                    try await self.spawnAgain(instance, imageID: instance.request.shelvedImageID ?? instance.imageRef)
                    if let shelved = instance.request.shelvedImageID { try? await self.backends.image.deleteImage(id: shelved) }
                    try await self.setTaskState(uuid, nil) {
                        $0.vmState = VMState.active
                        $0.powerState = PowerState.running.rawValue
                        $0.request.shelvedImageID = nil
                    }
                }
                try? await reportResources()
            } catch {
                try? await setTaskState(uuid, nil) { $0.vmState = VMState.error }
                try? await write { q in
                    try await q.addFault(
                        InstanceFault(instanceUUID: uuid, code: 500, message: "Unshelve failed: \(error)", details: "", host: self.host, createdAt: .now()))
                }
            }
        case "rebuild":
            do {
                try await withEvent("compute_rebuild_instance", instance: uuid, requestID: requestID) {
                    guard let instance = try await self.instance(uuid) else { return }
                    let wasStopped = instance.vmState == VMState.stopped
                    try await self.setTaskState(uuid, TaskState.rebuildSpawning)
                    try? await self.driver.destroy(uuid, destroyDisks: true)
                    try await self.spawnAgain(instance, imageID: instance.imageRef, powerOn: !wasStopped)
                    try await self.setTaskState(uuid, nil) {
                        $0.vmState = wasStopped ? VMState.stopped : VMState.active
                        $0.powerState = (wasStopped ? PowerState.shutdown : PowerState.running).rawValue
                    }
                }
            } catch {
                try? await setTaskState(uuid, nil) { $0.vmState = VMState.error }
                try? await write { q in
                    try await q.addFault(
                        InstanceFault(instanceUUID: uuid, code: 500, message: "Rebuild failed: \(error)", details: "", host: self.host, createdAt: .now()))
                }
            }
        default:
            return false
        }
        return true
    }

    /// The guest's disk written to a temporary file and streamed into the image.
    private func uploadDisk(of uuid: String, to imageID: String) async throws {
        let snapshot = try await driver.snapshot(uuid)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stratus-snapshot-\(IDGenerator.hex())").path
        guard FileManager.default.createFile(atPath: path, contents: Data(snapshot.data), attributes: [.posixPermissions: 0o600])
        else { throw VirtDriverError(.failed, "Could not write the snapshot of \(uuid).") }
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await backends.image.uploadImageData(id: imageID, fileAt: path)
    }

    /// Keeps the newest `keep` backups of this type of the server, deleting the older ones.
    private func rotateBackups(of uuid: String, type: String, keep: Int) async throws {
        guard let instance = try await instance(uuid) else { return }
        let backups = try await backends.image.images(
            ownerProjectID: instance.projectID,
            properties: ["instance_uuid": uuid, "image_type": "backup", "backup_type": type])
        for image in backups.dropFirst(max(0, keep)) { try await backends.image.deleteImage(id: image.id) }
    }

    /// Shelve offload: the guest destroyed, its ports unbound from this host, its
    /// allocation given back, and the server left without a host.
    private func offload(_ uuid: String) async throws {
        try? await driver.destroy(uuid, destroyDisks: true)
        guard let instance = try await instance(uuid) else { return }
        for vif in instance.networkInfo {
            _ = try await backends.network.bindPort(
                id: vif.portID, hostID: "", deviceID: uuid, deviceOwner: portOwner(of: instance))
        }
        try await backends.placement.deleteAllocations(consumerUUID: uuid)
        try await setTaskState(uuid, nil) {
            $0.vmState = VMState.shelvedOffloaded
            $0.powerState = PowerState.noState.rawValue
            $0.host = nil
            $0.node = nil
        }
        try? await reportResources()
    }

    /// Spawns the server's guest here again from `imageID` (none for a volume-backed
    /// server), its ports bound to this host and its volumes connected to it.
    func spawnAgain(_ instance: InstanceRecord, imageID: String, powerOn: Bool = true) async throws {
        var interfaces: [GuestInterface] = []
        let owner = portOwner(of: instance)
        for vif in instance.networkInfo {
            let port = try await backends.network.bindPort(id: vif.portID, hostID: host, deviceID: instance.uuid, deviceOwner: owner)
            interfaces.append(
                GuestInterface(portID: port.id, macAddress: port.macAddress, networkID: port.networkID,
                               fixedIPs: port.fixedIPs.compactMap(\.ipAddress)))
        }
        let volumes = try await reconnectVolumes(instance)
        do {
            var spec = try await guestSpec(instance, imageID: imageID.isEmpty ? nil : imageID, interfaces: interfaces)
            spec.volumes = volumes.map(\.guestVolume)
            try await driver.spawn(spec, powerOn: powerOn)
        } catch {
            await abandonReconnection(volumes, instance: instance)
            throw error
        }
        try await finishReconnection(volumes, instance: instance)
    }
}
