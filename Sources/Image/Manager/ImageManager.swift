import Logging
import StratusKit

/// The Image service's domain logic (Glance's domain controller): who may see and change
/// which image, the status machine, quotas. Routes parse and render; this decides.
final class ImageManager: Sendable {
    let database: StratusDatabase
    let store: any ImageDataStore
    /// Where `stage` keeps data until an import moves it to `store`.
    let staging: any ImageDataStore
    let policy: ImagePolicy
    let settings: ImageSettings
    let logger: Logger

    init(
        database: StratusDatabase, store: any ImageDataStore, staging: any ImageDataStore, policy: ImagePolicy,
        settings: ImageSettings, logger: Logger
    ) {
        self.database = database
        self.store = store
        self.staging = staging
        self.policy = policy
        self.settings = settings
        self.logger = logger
    }

    func read<T: Sendable>(_ body: @Sendable (ImageQueries) async throws -> T) async throws -> T {
        try await database.read { try await body(ImageQueries(sql: $0)) }
    }

    func write<T: Sendable>(_ body: @Sendable (ImageQueries) async throws -> T) async throws -> T {
        try await database.write { try await body(ImageQueries(sql: $0)) }
    }

    /// Whether the caller may see the image at all (Glance's `is_image_visible`): admins see
    /// every image; others their own, public and community images, and shared images they
    /// are a member of (whatever the member status).
    func isVisible(_ image: ImageRecord, to auth: AuthContext, in q: ImageQueries) async throws -> Bool {
        if policy.isAdmin(auth) { return true }
        guard let owner = image.owner else { return true }
        guard let project = auth.projectID else { return false }
        if owner == project { return true }
        switch image.visibility {
        case .public, .community: return true
        case .private: return false
        case .shared: return try await q.member(imageID: image.id, memberID: project) != nil
        }
    }

    /// The image, or Glance's 404 when it does not exist or the caller may not see it.
    func requireVisibleImage(_ id: String, auth: AuthContext, in q: ImageQueries, forUpdate: Bool = false)
        async throws -> ImageRecord
    {
        guard let image = try await q.image(id: id, forUpdate: forUpdate),
            try await isVisible(image, to: auth, in: q)
        else { throw ImageErrors.imageNotFound(id) }
        return image
    }

    func getImage(_ id: String, auth: AuthContext) async throws -> ImageRecord {
        let image = try await read { q in try await self.requireVisibleImage(id, auth: auth, in: q) }
        try policy.enforce("get_image", auth, target: policy.target(image, auth: auth))
        return image
    }

    func listImages(_ query: ImageListQuery, auth: AuthContext) async throws -> [ImageRecord] {
        try policy.enforce("get_images", auth, target: ["project_id": .optional(auth.projectID)])
        return try await read { q in try await q.list(query) }
    }

    /// The marker image of a list: 400 when there is none, 403 when the caller may not see it.
    func markerImage(_ id: String, auth: AuthContext) async throws -> ImageRecord {
        try await read { q in
            guard let image = try await q.image(id: id) else { throw APIError.badRequest("No image found with ID \(id)") }
            guard try await self.isVisible(image, to: auth, in: q) else {
                throw APIError.forbidden("Forbidding request, image \(id) not visible")
            }
            return image
        }
    }

    // MARK: Create, update, delete

    /// Creates a queued image from what the caller asked for (`ImageRecord.requested`, with
    /// an empty id to have one made, no owner to own it by the caller's project).
    func createImage(_ requested: ImageRecord, auth: AuthContext) async throws -> ImageRecord {
        let now = Timestamp.now()
        var image = requested
        if image.id.isEmpty { image.id = IDGenerator.uuid() }
        image.owner = image.owner ?? auth.projectID
        image.status = .queued
        image.createdAt = now
        image.updatedAt = now
        let owner = image.owner
        let target = policy.target(image, auth: auth)
        if let owner, owner != auth.projectID, !policy.isAdmin(auth) {
            throw APIError.forbidden("You are not permitted to create images owned by '\(owner)'.")
        }
        try policy.enforce("add_image", auth, target: target)
        try enforceVisibilityChange(to: image.visibility, auth: auth, target: target)
        try checkCounts(image)
        let created = image
        try await write { q in
            if try await q.imageIDExists(created.id) {
                throw APIError.conflict("Image ID \(created.id) already exists!")
            }
            if let owner = created.owner { try await self.checkImageCount(owner: owner, in: q) }
            try await q.insert(created)
        }
        logger.info("image created", metadata: ["image_id": "\(image.id)", "owner": "\(owner ?? "")"])
        return image
    }

    /// Applies a JSON patch: the caller's changes, validated, in one transaction.
    func updateImage(_ id: String, changes: [ImagePatchOperation], auth: AuthContext) async throws -> ImageRecord {
        try await write { q in
            var image = try await self.requireVisibleImage(id, auth: auth, in: q, forUpdate: true)
            let target = self.policy.target(image, auth: auth)
            try self.policy.enforce("modify_image", auth, target: target)
            let before = image
            for change in changes { try change.apply(to: &image) }
            if image.visibility != before.visibility {
                try self.enforceVisibilityChange(to: image.visibility, auth: auth, target: target)
            }
            if image.owner != before.owner, !self.policy.isAdmin(auth) {
                throw APIError.forbidden("Owner can't be updated by non admin.")
            }
            try self.checkCounts(image)
            image.updatedAt = Timestamp.now()
            try await q.update(image)
            return image
        }
    }

    private func enforceVisibilityChange(to visibility: ImageVisibility, auth: AuthContext, target: PolicyAttributes)
        throws
    {
        switch visibility {
        case .public: try policy.enforce("publicize_image", auth, target: target)
        case .community: try policy.enforce("communitize_image", auth, target: target)
        case .private, .shared: break
        }
    }

    private func checkCounts(_ image: ImageRecord) throws {
        if image.properties.count > settings.imagePropertyQuota {
            throw APIError(
                .contentTooLarge,
                "The limit has been exceeded on the number of allowed image properties. Attempted: \(image.properties.count), Maximum: \(settings.imagePropertyQuota)")
        }
        if image.tags.count > settings.imageTagQuota {
            throw APIError(
                .contentTooLarge,
                "The limit has been exceeded on the number of allowed image tags. Attempted: \(image.tags.count), Maximum: \(settings.imageTagQuota)")
        }
    }

    func deleteImage(_ id: String, auth: AuthContext) async throws {
        let deleted = try await write { q -> ImageRecord in
            guard var image = try await q.image(id: id, forUpdate: true), try await self.isVisible(image, to: auth, in: q)
            else { throw APIError.notFound("Failed to find image \(id) to delete") }
            try self.policy.enforce("delete_image", auth, target: self.policy.target(image, auth: auth))
            if image.protected {
                throw APIError.forbidden("Image \(id) is protected and cannot be deleted.")
            }
            if image.status == .uploading || image.status == .importing, image.stagedSize != nil {
                // Staged data goes with the image.
                image.stagedSize = nil
            }
            let now = Timestamp.now()
            image.status = self.settings.delayedDelete && image.location != nil ? .pendingDelete : .deleted
            image.deletedAt = now
            image.updatedAt = now
            try await q.update(image)
            try await q.purgeDetails(imageID: id)
            return image
        }
        try? await staging.delete(location: id)
        if deleted.status == .deleted, let location = deleted.location {
            try? await store.delete(location: location)
        }
        logger.info("image deleted", metadata: ["image_id": "\(id)", "status": "\(deleted.status.rawValue)"])
    }

    // MARK: Deactivate, reactivate, tags

    func deactivate(_ id: String, auth: AuthContext) async throws {
        try await changeActivation(id, auth: auth, rule: "deactivate", to: .deactivated)
    }

    func reactivate(_ id: String, auth: AuthContext) async throws {
        try await changeActivation(id, auth: auth, rule: "reactivate", to: .active)
    }

    private func changeActivation(_ id: String, auth: AuthContext, rule: String, to status: ImageStatus) async throws {
        try await write { q in
            var image = try await self.requireVisibleImage(id, auth: auth, in: q, forUpdate: true)
            try self.policy.enforce(rule, auth, target: self.policy.target(image, auth: auth))
            guard image.status == .active || image.status == .deactivated else {
                let verb = status == .active ? "reactivate" : "deactivate"
                throw APIError.forbidden("Not allowed to \(verb) image in status '\(image.status.rawValue)'")
            }
            guard image.status != status else { return }
            image.status = status
            image.updatedAt = Timestamp.now()
            try await q.update(image)
        }
    }

    func addTag(_ id: String, tag: String, auth: AuthContext) async throws {
        guard !tag.isEmpty, tag.count <= 255 else { throw APIError.badRequest("Tag must be 1 to 255 characters.") }
        try await modifyTags(id, auth: auth) { tags in if !tags.contains(tag) { tags.append(tag) } }
    }

    func deleteTag(_ id: String, tag: String, auth: AuthContext) async throws {
        try await modifyTags(id, auth: auth) { tags in
            guard let index = tags.firstIndex(of: tag) else { throw APIError.notFound("The resource could not be found.") }
            tags.remove(at: index)
        }
    }

    private func modifyTags(_ id: String, auth: AuthContext, _ change: @Sendable (inout [String]) throws -> Void)
        async throws
    {
        try await write { q in
            var image = try await self.requireVisibleImage(id, auth: auth, in: q, forUpdate: true)
            try self.policy.enforce("modify_image", auth, target: self.policy.target(image, auth: auth))
            try change(&image.tags)
            try self.checkCounts(image)
            image.updatedAt = Timestamp.now()
            try await q.update(image)
        }
    }
}
