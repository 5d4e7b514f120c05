import Hummingbird
import NIOCore
import StratusKit
import _NIOFileSystem

extension ImageManager {
    /// `PUT /v2/images/{id}/file`: queued → saving → active. The data streams to the store
    /// through the digest; the format is verified before the image turns active. Any
    /// failure (client gone, too large, wrong format) leaves no data and the image queued.
    func upload<Body: AsyncSequence & Sendable>(
        _ id: String, data: Body, declaredLength: Int64?, auth: AuthContext
    ) async throws where Body.Element == ByteBuffer {
        let image = try await claim(id, auth: auth, rule: "upload_image", from: [.queued], to: .saving)
        do {
            try await receive(image, data: data, declaredLength: declaredLength, into: .stored) { image, received in
                self.markActive(&image, received)
            }
            logger.info("image uploaded", metadata: ["image_id": "\(id)"])
        } catch {
            await restore(id, from: .saving)
            throw error
        }
    }

    /// `PUT /v2/images/{id}/stage`: queued → uploading, the data kept in the staging area
    /// until an import moves it to the store.
    func stage<Body: AsyncSequence & Sendable>(
        _ id: String, data: Body, declaredLength: Int64?, auth: AuthContext
    ) async throws where Body.Element == ByteBuffer {
        let image = try await claim(
            id, auth: auth, rule: "modify_image", from: [.queued], to: .uploading, requireFormats: false)
        do {
            try await receive(image, data: data, declaredLength: declaredLength, into: .staged) { image, received in
                image.stagedSize = received.size
            }
        } catch {
            await restore(id, from: .uploading)
            throw error
        }
    }

    /// Moves the image from one of `from` to `status` under a row lock, after the checks
    /// Glance makes before accepting data.
    func claim(
        _ id: String, auth: AuthContext, rule: String, from: Set<ImageStatus>, to status: ImageStatus,
        requireFormats: Bool = true
    ) async throws -> ImageRecord
    {
        try await write { q in
            var image = try await self.requireVisibleImage(id, auth: auth, in: q, forUpdate: true)
            try self.policy.enforce(rule, auth, target: self.policy.target(image, auth: auth))
            guard from.contains(image.status) else {
                throw APIError.conflict(
                    "Image status transition from '\(image.status.rawValue)' to '\(status.rawValue)' is not allowed")
            }
            guard !requireFormats || (image.diskFormat != nil && image.containerFormat != nil) else {
                throw APIError.badRequest("Properties disk_format, container_format must be set prior to saving data.")
            }
            image.status = status
            image.updatedAt = Timestamp.now()
            try await q.update(image)
            return image
        }
    }

    /// The image's data is in the store: record what the transfer found.
    func markActive(_ image: inout ImageRecord, _ received: ReceivedData) {
        image.status = .active
        image.size = received.size
        image.checksum = received.checksum
        image.osHashAlgo = "sha512"
        image.osHashValue = received.multihash
        image.virtualSize = Self.reportedVirtualSize(image, received.inspection)
        image.location = received.location
        image.storeID = store.id
    }

    /// Streams `data` into the store (`.stored`, format verified) or the staging area
    /// (`.staged`), within the size cap and the owner's quota, and records the result with
    /// `finish` in one transaction, unless the image was deleted meanwhile (410, data removed).
    func receive<Body: AsyncSequence & Sendable>(
        _ image: ImageRecord, data: Body, declaredLength: Int64?, into quota: StorageQuota,
        finish: @escaping @Sendable (inout ImageRecord, ReceivedData) throws -> Void
    ) async throws where Body.Element == ByteBuffer {
        let target = quota == .stored ? store : staging
        let inspect = quota == .stored
        let limit = try await remaining(quota, owner: image.owner)
        let tooLarge: @Sendable () -> APIError = {
            limit >= self.settings.imageSizeCap
                ? APIError(.contentTooLarge, "The incoming image is too large: The provided image is too large.")
                : APIError(
                    .contentTooLarge,
                    "Image exceeds the storage quota: The size of the data will exceed the limit. \(limit) bytes remaining.")
        }
        if let declaredLength, declaredLength > limit { throw tooLarge() }
        let digest = ImageDigest(limit: limit, limitError: tooLarge)
        let location = try await target.write(imageID: image.id, data: data, observe: digest.update)
        var inspection = DiskInspection(
            format: .raw, virtualSize: UInt64(digest.byteCount), dataSize: UInt64(digest.byteCount))
        do {
            if let declaredLength, digest.byteCount != declaredLength {
                throw APIError.badRequest("The upload ended after \(digest.byteCount) of \(declaredLength) bytes.")
            }
            if inspect, image.containerFormat == "bare", let diskFormat = image.diskFormat {
                let source = try target.byteSource(location: location)
                do {
                    inspection = try DiskFormatInspector.verify(declared: diskFormat, source: source)
                } catch let error as DiskFormatError {
                    throw Self.formatError(error)
                }
            }
            let received = ReceivedData(
                size: digest.byteCount, checksum: digest.checksum, multihash: digest.multihash, location: location,
                inspection: inspection)
            try await write { q in
                guard var current = try await q.image(id: image.id, forUpdate: true), current.status == image.status
                else {
                    throw APIError(
                        .gone,
                        "Image \(image.id) could not be found after upload. The image may have been deleted during the upload, cleaning up the chunks uploaded.")
                }
                try await self.checkAtCommit(quota, owner: current.owner, imageID: image.id, bytes: received.size, in: q)
                try finish(&current, received)
                current.updatedAt = Timestamp.now()
                try await q.update(current)
            }
        } catch {
            try? await target.delete(location: location)
            throw error
        }
    }

    /// Puts an image whose data transfer failed back to `queued`, if it is still in `status`.
    func restore(_ id: String, from status: ImageStatus) async {
        do {
            try await write { q in
                guard var image = try await q.image(id: id, forUpdate: true), image.status == status else { return }
                image.status = .queued
                image.stagedSize = nil
                image.updatedAt = Timestamp.now()
                try await q.update(image)
            }
        } catch {
            logger.error("cannot restore image to queued", metadata: ["image_id": "\(id)", "error": "\(error)"])
        }
    }

    /// What `GET /v2/images/{id}/file` serves: nil when the image has no data (204).
    func download(_ id: String, auth: AuthContext) async throws -> ImageRecord? {
        let image = try await read { q in try await self.requireVisibleImage(id, auth: auth, in: q) }
        if image.status == .deactivated, !policy.isAdmin(auth) {
            throw APIError.forbidden("The requested image has been deactivated. Image data download is forbidden.")
        }
        try policy.enforce("download_image", auth, target: policy.target(image, auth: auth))
        guard image.status == .active || image.status == .deactivated, image.location != nil else { return nil }
        return image
    }

    /// Glance's 415 for data that is not what it was declared to be, or is unsafe.
    static func formatError(_ error: DiskFormatError) -> APIError {
        switch error {
        case .formatMismatch(let declared, let detected):
            return APIError(
                .unsupportedMediaType, "Image disk_format \(declared) does not match stream data \(detected.rawValue). \(error)")
        case .unsafeImage:
            return APIError(.unsupportedMediaType, "Image failed safety checks. \(error)")
        case .readFailed:
            return APIError(.internalServerError, "The image data could not be read back from the store.")
        default:
            return APIError(.unsupportedMediaType, "Image format inspection failed. \(error)")
        }
    }

    /// Glance reports a virtual size only for bare containers of formats it inspects.
    static func reportedVirtualSize(_ image: ImageRecord, _ inspection: DiskInspection) -> Int64? {
        guard image.containerFormat == "bare", let format = image.diskFormat,
            !["ami", "aki", "ari", "ploop"].contains(format)
        else { return nil }
        return inspection.virtualSize.map(Int64.init)
    }
}
