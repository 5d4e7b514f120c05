import ServiceClients
import StratusKit

/// What a build did with the server's volumes so far, so a failure can undo it.
struct BootVolumeProgress: Sendable {
    /// Attachments made on this host (mapping uuid → attachment id), completed after the spawn.
    var attachments: [(mapping: String, attachment: String)] = []
    /// Volumes this attempt created (mapping uuid → volume id).
    var createdVolumes: [(mapping: String, volume: String)] = []
}

/// A volume of a build that could not be made or connected: the build is aborted (not
/// rescheduled, as Nova's `BuildAbortException`).
struct BootVolumeError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// The volumes of a build (Nova's `_prep_block_device`): each volume Compute is to make
/// (from an image, a snapshot or blank) is created with the user's token and awaited until
/// `available`; each volume is then attached to this host with a connector, handed to the
/// driver in the guest's spec, and completed once the guest runs. The boot volume is `/dev/vda`.
extension ComputeAgent {
    /// How long a new volume may take to become available (Nova's
    /// `block_device_allocate_retries` × its interval).
    static let volumeCreateTimeout: Duration = .seconds(180)

    func prepareBootVolumes(
        _ instance: InstanceRecord, context: MessagingContext, progress: inout BootVolumeProgress
    ) async throws -> [GuestVolume] {
        let mappings = try await database.read { try await ComputeQueries(sql: $0).blockDevices(instanceUUID: instance.uuid) }
        guard !mappings.isEmpty else { return [] }
        guard let client = backends.volume else {
            throw BootVolumeError(message: "The Block Storage service is not running in this cloud.")
        }
        let caller = volumeCaller(context, projectID: instance.projectID)
        var taken = mappings.compactMap(\.deviceName)
        var guestVolumes: [GuestVolume] = []
        for var mapping in mappings {
            do {
                if mapping.volumeID == nil {
                    let volumeID = try await client.createVolume(
                        VolumeCreateRequest(
                            size: mapping.volumeSize ?? 1, name: "", imageRef: mapping.imageID, snapshotID: mapping.snapshotID,
                            availabilityZone: nil),
                        as: caller)
                    progress.createdVolumes.append((mapping.uuid, volumeID))
                    mapping.volumeID = volumeID
                    let recorded = mapping
                    try await write { try await $0.updateBlockDevice(recorded) }
                    try await client.waitForVolume(
                        id: volumeID, status: "available", timeout: Self.volumeCreateTimeout, as: caller)
                }
                guard let volumeID = mapping.volumeID else { continue }
                if mapping.deviceName == nil {
                    let device = try DeviceNames.choose(requested: nil, taken: taken)
                    taken.append(device)
                    mapping.deviceName = device
                }
                let attachmentID = try await client.createAttachment(
                    volumeID: volumeID, instanceUUID: instance.uuid, connector: nil, mode: "rw", as: caller)
                progress.attachments.append((mapping.uuid, attachmentID))
                mapping.attachmentID = attachmentID
                let recorded = mapping
                try await write { try await $0.updateBlockDevice(recorded) }
                let info = try await client.updateAttachment(
                    id: attachmentID, connector: connector(device: mapping.deviceName), as: caller)
                guestVolumes.append(
                    GuestVolume(
                        volumeID: volumeID, device: mapping.deviceName ?? "", connectionType: info.driverVolumeType,
                        connectionData: info.data))
            } catch let error as VolumeWaitError {
                throw BootVolumeError(
                    message: error.timedOut
                        ? "Volume \(error.volumeID) did not finish being created even after we waited \(Int(Self.volumeCreateTimeout.components.seconds)) seconds. And its status is \(error.status ?? "gone")."
                        : "Volume \(error.volumeID) did not finish being created. Its status is \(error.status ?? "gone").")
            } catch let error as ServiceClientError {
                throw BootVolumeError(message: "Failure prepping block device: \(error.message)")
            }
        }
        return guestVolumes
    }

    /// Completes the attachments once the guest runs: the volumes become `in-use`.
    func completeBootVolumes(_ progress: BootVolumeProgress, instance: InstanceRecord, context: MessagingContext) async throws {
        guard let client = backends.volume else { return }
        let caller = volumeCaller(context, projectID: instance.projectID)
        for (_, attachment) in progress.attachments {
            do {
                try await client.completeAttachment(id: attachment, as: caller)
            } catch let error as ServiceClientError {
                throw BootVolumeError(message: "Failure prepping block device: \(error.message)")
            }
        }
    }

    /// Undoes a failed build's volume work: its attachments are deleted; a volume it made is
    /// deleted when it failed or the mapping says it goes with the server (Nova keeps the
    /// others, and the mapping keeps their id for the next attempt or the server's delete).
    func releaseBootVolumes(_ progress: BootVolumeProgress, instanceUUID: String, projectID: String, context: MessagingContext) async {
        guard let client = backends.volume else { return }
        let caller = volumeCaller(context, projectID: projectID)
        let mappings = (try? await database.read { try await ComputeQueries(sql: $0).blockDevices(instanceUUID: instanceUUID) }) ?? []
        for var mapping in mappings {
            if let attachment = progress.attachments.first(where: { $0.mapping == mapping.uuid })?.attachment {
                do {
                    try await client.deleteAttachment(id: attachment, as: caller)
                    mapping.attachmentID = nil
                } catch {
                    logger.warning("could not delete volume attachment \(attachment) of \(instanceUUID): \(error)")
                }
            }
            if let volume = progress.createdVolumes.first(where: { $0.mapping == mapping.uuid })?.volume {
                let status = try? await client.volume(id: volume, as: caller)?.status
                if mapping.deleteOnTermination || status == nil || status?.hasPrefix("error") == true {
                    do {
                        try await client.deleteVolume(id: volume, as: caller)
                        mapping.volumeID = nil
                    } catch {
                        logger.warning("could not delete volume \(volume) of failed build \(instanceUUID): \(error)")
                    }
                }
            }
            let updated = mapping
            try? await write { try await $0.updateBlockDevice(updated) }
        }
    }
}

/// One volume connected anew on this host: the new attachment replaces the old one once
/// the guest runs.
struct VolumeReconnection: Sendable {
    var mapping: BlockDeviceRecord
    var newAttachmentID: String
    var guestVolume: GuestVolume
}

extension ComputeAgent {
    /// The server's volumes connected to this host for a guest spawned again (rebuild,
    /// unshelve, evacuation, the destination of a cold migration): each gets a new
    /// attachment with this host's connector, as Nova makes for a move. No user is behind
    /// these steps here: the service acts on the server's project. A volume attached while
    /// the server had no host gets its device here.
    /// `host`: where the guest runs (this host unless a revert hands it back to its source).
    func reconnectVolumes(_ instance: InstanceRecord, host guestHost: String? = nil) async throws -> [VolumeReconnection] {
        let mappings = try await database.read { try await ComputeQueries(sql: $0).blockDevices(instanceUUID: instance.uuid) }
            .filter { $0.volumeID != nil }
        guard !mappings.isEmpty else { return [] }
        guard let client = backends.volume else {
            throw BootVolumeError(message: "The Block Storage service is not running in this cloud.")
        }
        let caller = VolumeCaller.service(projectID: instance.projectID)
        var made: [VolumeReconnection] = []
        var taken = mappings.compactMap(\.deviceName)
        do {
            for var mapping in mappings {
                guard let volumeID = mapping.volumeID else { continue }
                if mapping.deviceName == nil {
                    // Attached while the server had no host (shelved offloaded): its device now.
                    let device = try DeviceNames.choose(requested: nil, taken: taken)
                    taken.append(device)
                    mapping.deviceName = device
                }
                let attachmentID = try await client.createAttachment(
                    volumeID: volumeID, instanceUUID: instance.uuid, connector: nil, mode: "rw", as: caller)
                made.append(
                    VolumeReconnection(
                        mapping: mapping, newAttachmentID: attachmentID,
                        guestVolume: GuestVolume(volumeID: volumeID, device: mapping.deviceName ?? "", connectionType: "")))
                var hostConnector = connector(device: mapping.deviceName)
                if let guestHost { hostConnector.host = guestHost }
                let info = try await client.updateAttachment(id: attachmentID, connector: hostConnector, as: caller)
                made[made.count - 1].guestVolume.connectionType = info.driverVolumeType
                made[made.count - 1].guestVolume.connectionData = info.data
            }
        } catch {
            await abandonReconnection(made, instance: instance)
            throw error
        }
        return made
    }

    /// Completes the new attachments, deletes the old ones and records the new ids.
    func finishReconnection(_ reconnections: [VolumeReconnection], instance: InstanceRecord) async throws {
        guard let client = backends.volume else { return }
        let caller = VolumeCaller.service(projectID: instance.projectID)
        for reconnection in reconnections {
            try await client.completeAttachment(id: reconnection.newAttachmentID, as: caller)
            if let old = reconnection.mapping.attachmentID { try await client.deleteAttachment(id: old, as: caller) }
            var mapping = reconnection.mapping
            mapping.attachmentID = reconnection.newAttachmentID
            let updated = mapping
            try await write { try await $0.updateBlockDevice(updated) }
        }
    }

    /// Deletes the new attachments of a respawn that failed; the old ones stay.
    func abandonReconnection(_ reconnections: [VolumeReconnection], instance: InstanceRecord) async {
        guard let client = backends.volume else { return }
        let caller = VolumeCaller.service(projectID: instance.projectID)
        for reconnection in reconnections { try? await client.deleteAttachment(id: reconnection.newAttachmentID, as: caller) }
    }
}
