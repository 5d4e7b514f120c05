import Foundation
import NIOCore
import StratusKit
import _NIOFileSystem

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Interoperable image import (`POST /v2/images/{id}/import`) run as a task:
/// pending → processing → success / failure, off the request path as Glance does it.
extension ImageManager {
    enum ImportMethod: Sendable {
        case glanceDirect
        case webDownload(URL)

        var name: String {
            switch self {
            case .glanceDirect: "glance-direct"
            case .webDownload: "web-download"
            }
        }
    }

    /// The import methods this cloud offers (`/v2/info/import`).
    var importMethods: [String] {
        settings.webDownloadAllowedHosts.isEmpty ? ["glance-direct"] : ["glance-direct", "web-download"]
    }

    func importImage(_ id: String, method: ImportMethod, request: JSONValue, auth: AuthContext, requestID: String)
        async throws -> TaskRecord
    {
        if case .webDownload(let url) = method {
            guard let host = url.host, settings.webDownloadAllowedHosts.contains(host),
                ["http", "https"].contains(url.scheme ?? "")
            else {
                throw APIError.badRequest(
                    settings.webDownloadAllowedHosts.isEmpty
                        ? "Import method web-download is not enabled on this cloud."
                        : "The URI \(url.absoluteString) is not allowed for web-download.")
            }
        }
        let now = Timestamp.now()
        let task = TaskRecord(
            id: IDGenerator.uuid(), type: "api_image_import", status: .pending, owner: auth.projectID ?? "",
            input: ["image_id": .string(id), "import_req": request, "backend": .null], result: nil, message: "",
            imageID: id, userID: auth.userID, requestID: requestID,
            expiresAt: nil, createdAt: now, updatedAt: now)
        try await write { q in
            var image = try await self.requireVisibleImage(id, auth: auth, in: q, forUpdate: true)
            try self.policy.enforce("add_image", auth, target: self.policy.target(image, auth: auth))
            try self.policy.enforce("modify_image", auth, target: self.policy.target(image, auth: auth))
            guard image.diskFormat != nil, image.containerFormat != nil else {
                throw APIError.conflict("'disk_format' needs to be set before import")
            }
            switch method {
            case .glanceDirect:
                guard image.status == .uploading, image.stagedSize != nil else {
                    throw APIError.conflict("Image needs to be staged before 'glance-direct' method can be used")
                }
            case .webDownload:
                guard image.status == .queued else {
                    throw APIError.conflict("Image needs to be in 'queued' state to use 'web-download' method")
                }
            }
            image.status = .importing
            image.properties["os_glance_import_task"] = task.id
            image.updatedAt = now
            try await q.update(image)
            try await q.insert(task)
        }
        Task { await self.runImport(task, method: method) }
        return task
    }

    /// Moves the image's data into the store and turns it active, recording the outcome
    /// in the task. On failure the image goes back to where the import found it.
    func runImport(_ task: TaskRecord, method: ImportMethod) async {
        guard let imageID = task.imageID else { return }
        var task = task
        task.status = .processing
        await save(task)
        do {
            if case .webDownload(let url) = method {
                try await downloadToStaging(imageID: imageID, from: url)
            }
            let image = try await read { q in try await q.image(id: imageID) }
            guard let image, image.status == .importing else {
                throw APIError.conflict("Image \(imageID) is no longer importing.")
            }
            let limit = try await remainingStorage(owner: image.owner)
            let stagedPath = FilePath((staging as? FileImageStore)?.path(of: imageID) ?? "")
            try await FileSystem.shared.withFileHandle(forReadingAt: stagedPath) { handle in
                let size = try await handle.info().size
                try await receive(image, data: handle.readChunks(in: 0..<size), declaredLength: size, limit: limit, into: store) {
                    _, image, digest, location, inspection in
                    image.status = .active
                    image.size = digest.size
                    image.checksum = digest.checksum
                    image.osHashAlgo = "sha512"
                    image.osHashValue = digest.multihash
                    image.virtualSize = ImageManager.reportedVirtualSize(image, inspection)
                    image.location = location
                    image.storeID = self.store.id
                    image.stagedSize = nil
                    image.properties.removeValue(forKey: "os_glance_import_task")
                    image.properties["os_glance_importing_to_stores"] = ""
                    image.properties["os_glance_failed_import"] = ""
                }
            }
            try? await staging.delete(location: imageID)
            task.status = .success
            task.result = ["image_id": .string(imageID)]
            logger.info("image imported", metadata: ["image_id": "\(imageID)", "task_id": "\(task.id)"])
        } catch {
            task.status = .failure
            task.message = (error as? APIError)?.message ?? "\(error)"
            await revertImport(imageID: imageID, method: method)
            logger.warning("image import failed", metadata: ["image_id": "\(imageID)", "error": "\(task.message)"])
        }
        task.expiresAt = Timestamp.now().adding(seconds: settings.taskTimeToLiveHours * 3600)
        await save(task)
    }

    /// A failed glance-direct import leaves the staged data for another try (uploading);
    /// a failed web-download goes back to queued.
    private func revertImport(imageID: String, method: ImportMethod) async {
        _ = try? await write { q in
            guard var image = try await q.image(id: imageID, forUpdate: true), image.status == .importing else { return }
            switch method {
            case .glanceDirect where image.stagedSize != nil: image.status = .uploading
            default:
                image.status = .queued
                image.stagedSize = nil
            }
            image.properties.removeValue(forKey: "os_glance_import_task")
            image.updatedAt = Timestamp.now()
            try await q.update(image)
        }
        if case .webDownload = method { try? await staging.delete(location: imageID) }
    }

    private func downloadToStaging(imageID: String, from url: URL) async throws {
        guard let staging = staging as? FileImageStore else { return }
        let (temporary, response) = try await URLSession.shared.download(from: url)
        defer { try? FileManager.default.removeItem(at: temporary) }
        guard let http = response as? HTTPURLResponse, (200..<300).contains(http.statusCode) else {
            throw APIError.badRequest("web-download of \(url.absoluteString) failed: \(response)")
        }
        let destination = staging.path(of: imageID)
        try? FileManager.default.removeItem(atPath: destination)
        try FileManager.default.moveItem(atPath: temporary.path, toPath: destination)
    }

    private func save(_ task: TaskRecord) async {
        var task = task
        task.updatedAt = Timestamp.now()
        let saved = task
        do {
            try await write { q in try await q.update(saved) }
        } catch {
            logger.error("cannot record task status", metadata: ["task_id": "\(task.id)", "error": "\(error)"])
        }
    }

    /// After a restart: tasks a stopped server left running failed; their images revert.
    func failUnfinishedTasks() async throws {
        let unfinished = try await read { q in try await q.unfinishedTasks() }
        for var task in unfinished {
            task.status = .failure
            task.message = "The server stopped while the task was running."
            if let imageID = task.imageID { await revertImport(imageID: imageID, method: .glanceDirect) }
            await save(task)
        }
    }

    func listTasks(auth: AuthContext, type: String?, status: String?) async throws -> [TaskRecord] {
        try policy.enforce("tasks_api_access", auth, target: ["project_id": .optional(auth.projectID)])
        try policy.enforce("get_tasks", auth, target: ["project_id": .optional(auth.projectID)])
        let owner = policy.isAdmin(auth) ? nil : (auth.projectID ?? "")
        return try await read { q in try await q.tasks(owner: owner, type: type, status: status, imageID: nil) }
    }

    func getTask(_ id: String, auth: AuthContext) async throws -> TaskRecord {
        try policy.enforce("tasks_api_access", auth, target: ["project_id": .optional(auth.projectID)])
        guard let task = try await read({ q in try await q.task(id: id) }),
            policy.isAdmin(auth) || task.owner == auth.projectID
        else { throw APIError.notFound("Could not find task \(id)") }
        try policy.enforce("get_task", auth, target: ["project_id": .string(task.owner)])
        return task
    }

    func imageTasks(_ id: String, auth: AuthContext) async throws -> [TaskRecord] {
        let image = try await read { q in try await self.requireVisibleImage(id, auth: auth, in: q) }
        try policy.enforce("get_image", auth, target: policy.target(image, auth: auth))
        return try await read { q in try await q.tasks(owner: nil, type: nil, status: nil, imageID: id) }
    }
}
