import Foundation
import StratusKit

extension VolumeAgent {
    /// The agent's handlers for extend, retype (moving the data to another pool) and upload to image.
    func addStateHandlers(to endpoint: inout RPCEndpoint) {
        endpoint.on(VolumeRPC.Method.extendVolume) { [self] request in
            try await extendVolume(
                request.args["volume_id"]?.stringValue ?? "", previousSize: request.args["previous_size"]?.intValue,
                context: request.context)
            return .null
        }
        endpoint.on(VolumeRPC.Method.retype) { [self] request in
            try await moveForRetype(
                request.args["volume_id"]?.stringValue ?? "", destination: request.args["destination"]?.stringValue ?? "",
                oldTypeID: request.args["old_type_id"]?.stringValue,
                oldMultiattach: request.args["old_multiattach"]?.boolValue ?? false, context: request.context)
            return .null
        }
        endpoint.on(VolumeRPC.Method.uploadToImage) { [self] request in
            try await uploadToImage(
                request.args["volume_id"]?.stringValue ?? "", imageID: request.args["image_id"]?.stringValue ?? "",
                diskFormat: request.args["disk_format"]?.stringValue ?? "raw", context: request.context)
            return .null
        }
    }

    /// Grows the volume's data to the size its record already holds, then puts it back in its
    /// previous status. On failure the volume is `error_extending` at its old size (the quota
    /// it held is given back) with a user message. Growing to the recorded size again is
    /// harmless, so a volume left `extending` by a restart is simply extended again.
    func extendVolume(_ id: String, previousSize: Int64?, context: MessagingContext) async throws {
        guard let volume = try await volume(id), volume.status == VolumeStatus.extending, let location = volume.location
        else { return }
        do {
            try await driver.extendVolume(location, newSizeGB: Int(volume.size))
        } catch {
            logger.notice("extend failed", metadata: ["volume": "\(id)", "error": "\(error)"])
            try await database.write { sql in
                let queries = BlockStorageQueries(sql: sql)
                var columns: [String: any Encodable & Sendable] = [:]
                if let previousSize { columns["size"] = previousSize }
                guard try await queries.transitionVolume(id, from: [VolumeStatus.extending], to: VolumeStatus.errorExtending, also: columns)
                else { return }
                try await self.message(queries, volume, event: .extendVolume, detail: Self.describe(error), context: context)
            }
            return
        }
        try await database.write { sql in
            _ = try await BlockStorageQueries(sql: sql).transitionVolume(
                id, from: [VolumeStatus.extending], to: volume.previousStatus ?? VolumeStatus.available)
        }
    }

    /// Copies the volume's data to `destination` (`host@backend#pool`, a pool of this back
    /// end), points the record there, then removes the old copy. On failure the new copy is
    /// removed and the volume keeps its old type and pool, with a user message.
    func moveForRetype(
        _ id: String, destination: String, oldTypeID: String?, oldMultiattach: Bool, context: MessagingContext
    ) async throws {
        guard let volume = try await volume(id), volume.status == VolumeStatus.retyping, let source = volume.location
        else { return }
        let previous = volume.previousStatus ?? VolumeStatus.available
        let parts = destination.split(separator: "#", maxSplits: 1).map(String.init)
        do {
            guard parts.count == 2, parts[0] == serviceHost else {
                throw VolumeDriverError("The pool \(destination) is not on this back end (\(serviceHost)).")
            }
            let target = VolumeLocation(volumeID: id, pool: parts[1])
            do {
                try await driver.cloneVolume(source, to: target, sizeGB: Int(volume.size))
            } catch {
                try? await driver.deleteVolume(target)
                throw error
            }
        } catch {
            logger.notice("retype move failed", metadata: ["volume": "\(id)", "error": "\(error)"])
            try await database.write { sql in
                let queries = BlockStorageQueries(sql: sql)
                var columns: [String: any Encodable & Sendable] = ["migration_status": "error", "multiattach": oldMultiattach]
                if let oldTypeID { columns["volume_type_id"] = oldTypeID }
                guard try await queries.transitionVolume(id, from: [VolumeStatus.retyping], to: previous, also: columns)
                else { return }
                try await self.message(
                    queries, volume, event: .scheduleAllocateVolume,
                    detail: "Moving the volume to \(destination) for its new type failed: \(Self.describe(error))",
                    context: context)
            }
            return
        }
        let moved = try await database.write { sql in
            try await BlockStorageQueries(sql: sql).transitionVolume(
                id, from: [VolumeStatus.retyping], to: previous, also: ["host": destination, "migration_status": "success"])
        }
        do {
            try await driver.deleteVolume(moved ? source : VolumeLocation(volumeID: id, pool: parts[1]))
        } catch {
            logger.warning("removing the volume's old copy failed", metadata: ["volume": "\(id)", "error": "\(error)"])
        }
    }

    /// Writes the volume's data to a staging file in `diskFormat`, uploads it to the image, and
    /// puts the volume back in its previous status. On failure the image is deleted and a user
    /// message says why; the staging file never outlives the call.
    func uploadToImage(_ id: String, imageID: String, diskFormat: String, context: MessagingContext) async throws {
        guard let volume = try await volume(id), volume.status == VolumeStatus.uploading, let location = volume.location
        else { return }
        let staged = scratchDirectory + "/upload-\(id)-\(imageID)"
        defer { try? FileManager.default.removeItem(atPath: staged) }
        var failure: (any Error)?
        do {
            try FileManager.default.createDirectory(atPath: scratchDirectory, withIntermediateDirectories: true)
            try await driver.exportVolume(location, to: staged, format: diskFormat)
            try await backends.image.uploadImageData(id: imageID, fileAt: staged)
        } catch {
            failure = error
            logger.notice("upload to image failed", metadata: ["volume": "\(id)", "image": "\(imageID)", "error": "\(error)"])
            do {
                try await backends.image.deleteImage(id: imageID)
            } catch {
                logger.warning("deleting the failed upload's image failed", metadata: ["image": "\(imageID)", "error": "\(error)"])
            }
        }
        let detail = failure.map { Self.describe($0) }
        try await database.write { sql in
            let queries = BlockStorageQueries(sql: sql)
            guard try await queries.transitionVolume(
                id, from: [VolumeStatus.uploading], to: volume.previousStatus ?? VolumeStatus.available)
            else { return }
            if let detail { try await self.message(queries, volume, event: .copyVolumeToImage, detail: detail, context: context) }
        }
    }

    /// On start: volumes left `extending` are extended again (the record holds the target size);
    /// those left `retyping` or `uploading` go back to their previous status with a message,
    /// since the work they waited for died with the previous run.
    func settleInterruptedActions() async {
        do {
            let stuck = try await database.read {
                try await BlockStorageQueries(sql: $0).volumes(
                    serviceHost: self.serviceHost, statuses: [VolumeStatus.extending, VolumeStatus.retyping, VolumeStatus.uploading])
            }
            for volume in stuck {
                if volume.status == VolumeStatus.extending {
                    try await extendVolume(volume.id, previousSize: nil, context: MessagingContext())
                    continue
                }
                let event: UserMessageEvent = volume.status == VolumeStatus.uploading ? .copyVolumeToImage : .scheduleAllocateVolume
                try await database.write { sql in
                    let queries = BlockStorageQueries(sql: sql)
                    var columns: [String: any Encodable & Sendable] = [:]
                    if volume.status == VolumeStatus.retyping { columns["migration_status"] = "error" }
                    guard try await queries.transitionVolume(
                        volume.id, from: [volume.status], to: volume.previousStatus ?? VolumeStatus.available, also: columns)
                    else { return }
                    try await self.message(
                        queries, volume, event: event,
                        detail: "The volume service restarted while the volume was \(volume.status).", context: MessagingContext())
                }
            }
        } catch {
            logger.warning("settling interrupted volume actions failed", metadata: ["error": "\(error)"])
        }
    }
}
