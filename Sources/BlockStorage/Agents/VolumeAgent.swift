import Foundation
import Logging
import ServiceClients
import StratusKit

/// One volume service (cinder-volume) for one back end, `host@backend`: carries out the
/// driver work cast to `volume.<host@backend>`, heartbeats and reports its pools' capacity
/// every `reportInterval`, and on start settles what a previous run left half done
/// (level-triggered: volumes stuck in `creating` go to `error`, those in `deleting` are deleted).
final class VolumeAgent: Sendable {
    let serviceHost: String
    let driver: any VolumeDriver
    let database: StratusDatabase
    let backends: BlockStorageBackends
    let settings: BlockStorageSettings
    let logger: Logger
    /// Where image data is staged while a volume is made from it or uploaded to it.
    let scratchDirectory: String
    /// Where this agent writes and reads backups.
    let backupStore: any BackupStore
    let reportInterval: Duration

    init(
        serviceHost: String, driver: any VolumeDriver, database: StratusDatabase, backends: BlockStorageBackends,
        settings: BlockStorageSettings, scratchDirectory: String, backupStore: any BackupStore, logger: Logger,
        reportInterval: Duration = .seconds(10)
    ) {
        self.serviceHost = serviceHost
        self.driver = driver
        self.database = database
        self.backends = backends
        self.settings = settings
        self.scratchDirectory = scratchDirectory
        self.backupStore = backupStore
        self.logger = logger
        self.reportInterval = reportInterval
    }

    var endpoint: RPCEndpoint {
        var endpoint = RPCEndpoint(version: "1.0")
        endpoint.on(VolumeRPC.Method.createVolume) { [self] request in
            try await createVolume(request.args["volume_id"]?.stringValue ?? "", context: request.context)
            return .null
        }
        endpoint.on(VolumeRPC.Method.deleteVolume) { [self] request in
            try await deleteVolume(request.args["volume_id"]?.stringValue ?? "", context: request.context)
            return .null
        }
        addStateHandlers(to: &endpoint)
        addSnapshotHandlers(to: &endpoint)
        addBackupHandlers(to: &endpoint)
        addConnectionHandlers(to: &endpoint)
        return endpoint
    }

    /// Registers, settles leftovers, then heartbeats and reports pools until cancelled.
    func run() async {
        await report()
        await settleLeftovers()
        await settleInterruptedActions()
        await settleSnapshotLeftovers()
        await settleBackupLeftovers()
        while !Task.isCancelled {
            try? await Task.sleep(for: reportInterval)
            await report()
        }
    }

    /// The service heartbeat and the pools' capacities.
    func report() async {
        do {
            let reports = try await driver.poolReports()
            let now = Timestamp.now()
            try await database.write { sql in
                let queries = BlockStorageQueries(sql: sql)
                try await queries.heartbeat(
                    host: self.serviceHost, binary: "cinder-volume", availabilityZone: self.settings.availabilityZone, now: now)
                // This agent also does the backup work of its volumes (Cinder's cinder-backup on this host).
                try await queries.heartbeat(
                    host: self.backupServiceHost, binary: "cinder-backup", availabilityZone: self.settings.availabilityZone,
                    now: now)
                try await queries.savePoolReports(reports, serviceHost: self.serviceHost, now: now)
            }
        } catch is CancellationError {
            return
        } catch {
            guard !Task.isCancelled else { return }
            logger.warning("volume service report failed", metadata: ["host": "\(serviceHost)", "error": "\(error)"])
        }
    }

    /// Whether the service has reported its pools at least once.
    var isRegistered: Bool {
        get async {
            (try? await database.read { try await BlockStorageQueries(sql: $0).pools() })?
                .contains { $0.serviceHost == serviceHost } ?? false
        }
    }

    private func settleLeftovers() async {
        do {
            let stuck = try await database.read {
                try await BlockStorageQueries(sql: $0).volumes(
                    serviceHost: self.serviceHost, statuses: [VolumeStatus.creating, VolumeStatus.deleting])
            }
            for volume in stuck {
                if volume.status == VolumeStatus.deleting {
                    try await deleteVolume(volume.id, context: MessagingContext())
                } else {
                    try await failVolume(
                        volume, event: .createVolumeFromBackend,
                        detail: "The volume service restarted while the volume was being created.", context: MessagingContext())
                }
            }
        } catch {
            logger.warning("settling volumes left by a previous run failed", metadata: ["error": "\(error)"])
        }
    }

    func volume(_ id: String) async throws -> VolumeRecord? {
        try await database.read { try await BlockStorageQueries(sql: $0).volume(id: id) }
    }

    /// Creates the volume's data as its record asks (empty, from a snapshot, from another
    /// volume, or from an image), then marks it available; a failure marks it `error` with a message.
    func createVolume(_ id: String, context: MessagingContext) async throws {
        guard let volume = try await volume(id), volume.status == VolumeStatus.creating, let location = volume.location
        else { return }
        do {
            if let snapshotID = volume.snapshotID {
                guard let snapshot = try await database.read({ try await BlockStorageQueries(sql: $0).snapshot(id: snapshotID) }),
                    let source = try await self.volume(snapshot.volumeID), let sourceLocation = source.location
                else { throw VolumeDriverError("The snapshot \(snapshotID) no longer exists.") }
                try await driver.createVolume(location, fromSnapshot: snapshotID, of: sourceLocation, sizeGB: Int(volume.size))
            } else if let sourceID = volume.sourceVolumeID {
                guard let source = try await self.volume(sourceID), let sourceLocation = source.location else {
                    throw VolumeDriverError("The source volume \(sourceID) no longer exists.")
                }
                try await driver.cloneVolume(sourceLocation, to: location, sizeGB: Int(volume.size))
            } else if let backupID = volume.backupID {
                try await createFromBackup(volume, backupID: backupID, location: location)
            } else if let imageID = volume.imageID {
                try await createFromImage(volume, imageID: imageID, location: location)
            } else {
                try await driver.createVolume(location, sizeGB: Int(volume.size))
            }
        } catch {
            try? await driver.deleteVolume(location)
            let event: UserMessageEvent = volume.imageID != nil && volume.snapshotID == nil && volume.sourceVolumeID == nil
                ? .copyImageToVolume : .createVolumeFromBackend
            try await failVolume(volume, event: event, detail: Self.describe(error), context: context)
            if let backupID = volume.backupID { try await releaseBackup(backupID) }
            return
        }
        try await database.write { sql in
            _ = try await BlockStorageQueries(sql: sql).transitionVolume(
                volume.id, from: [VolumeStatus.creating, VolumeStatus.downloading, VolumeStatus.restoringBackup],
                to: VolumeStatus.available, also: ["launched_at": Timestamp.now().microseconds])
        }
        if let backupID = volume.backupID { try await releaseBackup(backupID) }
    }

    /// Downloads the image into the scratch directory (status `downloading` meanwhile) and
    /// has the driver write it into the volume.
    private func createFromImage(_ volume: VolumeRecord, imageID: String, location: VolumeLocation) async throws {
        try await database.write { sql in
            _ = try await BlockStorageQueries(sql: sql).transitionVolume(
                volume.id, from: [VolumeStatus.creating], to: VolumeStatus.downloading)
        }
        try FileManager.default.createDirectory(atPath: scratchDirectory, withIntermediateDirectories: true)
        let staged = scratchDirectory + "/image-\(volume.id)"
        defer { try? FileManager.default.removeItem(atPath: staged) }
        try await backends.image.downloadImageData(id: imageID, to: staged)
        let format = volume.imageMetadata["disk_format"] ?? "raw"
        try await driver.createVolume(location, sizeGB: Int(volume.size), fromImageFile: staged, format: format)
    }

    /// Removes the volume's data (and its snapshots' when they are being deleted with it),
    /// then its record; a driver failure leaves it `error_deleting` with a message.
    func deleteVolume(_ id: String, context: MessagingContext) async throws {
        guard let volume = try await volume(id), volume.status == VolumeStatus.deleting else { return }
        do {
            if let location = volume.location {
                let snapshots = try await database.read { try await BlockStorageQueries(sql: $0).snapshots(volumeID: id) }
                for snapshot in snapshots { try await driver.deleteSnapshot(snapshot.id, of: location) }
                try await driver.deleteVolume(location)
            }
        } catch {
            try await database.write { sql in
                let queries = BlockStorageQueries(sql: sql)
                try await queries.updateVolume(volume.id, ["status": VolumeStatus.errorDeleting])
                try await self.message(queries, volume, event: .deleteVolume, detail: Self.describe(error), context: context)
            }
            return
        }
        try await database.write { sql in
            let queries = BlockStorageQueries(sql: sql)
            for snapshot in try await queries.snapshots(volumeID: id) { try await queries.deleteSnapshotRow(snapshot.id) }
            try await queries.deleteVolumeRow(volume.id)
        }
    }

    /// Marks the volume `error` with a user message.
    func failVolume(_ volume: VolumeRecord, event: UserMessageEvent, detail: String, context: MessagingContext) async throws {
        logger.notice("volume failed", metadata: ["volume": "\(volume.id)", "why": "\(detail)"])
        try await database.write { sql in
            let queries = BlockStorageQueries(sql: sql)
            try await queries.updateVolume(volume.id, ["status": VolumeStatus.error])
            try await self.message(queries, volume, event: event, detail: detail, context: context)
        }
    }

    func message(
        _ queries: BlockStorageQueries, _ volume: VolumeRecord, event: UserMessageEvent, detail: String,
        context: MessagingContext
    ) async throws {
        try await queries.recordError(
            event, detail: detail, resourceType: "VOLUME", resourceID: volume.id, projectID: volume.projectID,
            requestID: context.requestID, ttlSeconds: settings.messageTTLSeconds)
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? VolumeDriverError { return error.message }
        if let error = error as? ServiceClientError { return error.message }
        return "\(error)"
    }
}
