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
            guard let host = url.host, ["http", "https"].contains(url.scheme ?? ""),
                settings.webDownloadAllowedHosts.contains(url.port.map { "\(host):\($0)" } ?? host)
                    || (settings.webDownloadAllowedHosts.contains(host) && [80, 443].contains(url.port))
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
            try self.policy.enforce("modify_image", auth, target: self.policy.target(image, auth: auth))
            if image.status == .active {
                throw APIError.conflict("Image with status active cannot be target for import")
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
            guard image.containerFormat != nil else {
                throw APIError.conflict("'container_format' needs to be set before import")
            }
            guard image.diskFormat != nil else { throw APIError.conflict("'disk_format' needs to be set before import") }
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
            guard var image = try await read({ q in try await q.image(id: imageID) }), image.status == .importing else {
                throw APIError.conflict("Image \(imageID) is no longer importing.")
            }
            if case .webDownload(let url) = method {
                try await downloadToStaging(image: image, from: url)
                image = try await read { q in try await q.image(id: imageID) } ?? image
            }
            try await staging.withContents(location: imageID) { chunks, size in
                try await receive(image, data: chunks, declaredLength: size, into: .stored) { image, received in
                    self.markActive(&image, received)
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
            task.message = (error as? APIError).map { $0.status.code < 500 ? $0.message : "" } ?? ""
            if task.message.isEmpty { task.message = "Task failed due to Internal Error" }
            await revertImport(imageID: imageID, method: method)
            logger.warning("image import failed", metadata: ["image_id": "\(imageID)", "error": "\(error)"])
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

    /// Fetches a web-download URI (no redirects: the allow-list names the host that
    /// answers) and stages it like `PUT /stage`, within the stage quota.
    private func downloadToStaging(image: ImageRecord, from url: URL) async throws {
        let session = URLSession(configuration: .ephemeral, delegate: RedirectRefusal(), delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let (temporary, response) = try await session.download(from: url)
        defer { try? FileManager.default.removeItem(at: temporary) }
        guard let http = response as? HTTPURLResponse, (200..<300).contains(http.statusCode) else {
            throw APIError.badRequest("web-download of \(url.absoluteString) failed with \(response)")
        }
        try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(temporary.path)) { handle in
            let size = try await handle.info().size
            try await receive(
                image, data: handle.readChunks(in: 0..<size, chunkLength: .mebibytes(1)), declaredLength: size, into: .staged
            ) { image, received in image.stagedSize = received.size }
        }
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

    /// After a restart: uploads and stages a stopped server was receiving go back to
    /// `queued` (their data was never linked into place), as Glance's failed uploads do.
    /// (With several servers on one database this would also reset their transfers in
    /// progress; it assumes one image server per database.)
    func recoverInterruptedTransfers() async throws {
        try await write { q in try await q.resetInterruptedTransfers(at: Timestamp.now()) }
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

    /// The tasks of an image, for its owner (or an admin): they name who ran them and how.
    func imageTasks(_ id: String, auth: AuthContext) async throws -> [TaskRecord] {
        let image = try await read { q in try await self.requireVisibleImage(id, auth: auth, in: q) }
        try policy.enforce("get_image", auth, target: policy.target(image, auth: auth))
        try policy.enforce("modify_image", auth, target: policy.target(image, auth: auth))
        return try await read { q in try await q.tasks(owner: nil, type: nil, status: nil, imageID: id) }
    }
}

/// Refuses every HTTP redirect of a web-download, so that an allowed host cannot send the
/// server to fetch from another (an internal address, the metadata service…).
final class RedirectRefusal: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
