import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import StratusKit

/// Why a versioned write stopped before the client's own write: the status the client gets
/// (Swift's answers: 412 when the archive refuses a step, e.g. its container is missing; 503
/// when a step failed on the servers; 500 when the archive cannot be listed; 413 for a
/// version too large to copy).
struct VersioningFailure: Error, Sendable {
    let status: HTTPResponse.Status

    static let internalError = HTTPResponse.Status(code: 500, reasonPhrase: "Internal Error")

    init(_ status: HTTPResponse.Status) { self.status = status }

    /// Nothing for a success; 412 for a client error; 503 otherwise.
    static func check(_ status: Int) throws {
        if (200..<300).contains(status) { return }
        throw VersioningFailure((400..<500).contains(status) ? .preconditionFailed : .serviceUnavailable)
    }
}

/// Object writes in a versioned container, as Swift's legacy `versioned_writes` middleware
/// makes them. Its steps are the proxy's own requests (already authorized by the client's
/// write access to the versioned container; the caller needs none on the archive container)
/// and are made below versioning, so an archive container that is itself versioned does not
/// version them again.
///
/// - PUT (and COPY, and every write that ends in an object PUT): the current object, if any, is
///   first copied as it is stored (a large object's manifest, not its data) to
///   `<archive>/<prefix><its timestamp>`.
/// - DELETE, stack mode: the newest archived version is copied back over the object and
///   removed from the archive; with none, the object is deleted.
/// - DELETE, history mode: the current object is archived, then a delete marker is written to
///   the archive, then the object is deleted.
extension ProxyServer {
    /// The versioning of the container the request writes to, from the cached container info
    /// (the same entry the write's existence check reads: no request of its own).
    func containerVersioning(account: String, container: String) async throws -> ContainerVersioning? {
        guard allowVersionedWrites, let info = try await containerHeaders(account: account, container: container) else { return nil }
        return ContainerVersioning(containerInfo: info)
    }

    /// A client's PUT or DELETE of an object of a versioned container.
    func versionedWrite(
        _ request: Request, versioning: ContainerVersioning, account: String, container: String, object: String
    ) async throws -> Response {
        let archive = versioning.archiveContainer
        defer { infoCache.invalidate(InfoCache.key(account: account, container: archive)) }
        do {
            if request.method == .put {
                try await archiveCurrentVersion(account: account, container: container, object: object, archive: archive)
                return try await storeObject(request, account: account, container: container, object: object)
            }
            switch versioning.mode {
            case .history:
                try await archiveCurrentVersion(account: account, container: container, object: object, archive: archive)
                try await writeDeleteMarker(account: account, object: object, archive: archive)
                return try await storeObject(request, account: account, container: container, object: object)
            case .stack:
                return try await deleteRestoringPreviousVersion(
                    request, account: account, container: container, object: object, archive: archive)
            }
        } catch let failure as VersioningFailure {
            return ProxyErrors.response(failure.status)
        }
    }

    /// Copies the current object, as stored, into the archive under the name made of its
    /// timestamp; nothing when there is no current object.
    func archiveCurrentVersion(account: String, container: String, object: String, archive: String) async throws {
        let current = try await readBackendObject(.GET, account: account, container: container, object: object, headers: [:])
        if current.status == 404 {
            await discard(current)
            return
        }
        if !current.isSuccess { await discard(current) }
        try VersioningFailure.check(current.status)
        let timestamp =
            current.headers.first(name: "X-Timestamp").flatMap(SwiftTimestamp.init)
            ?? current.headers.first(name: "Last-Modified").flatMap(HTTPDate.parse).flatMap { SwiftTimestamp(seconds: Double($0)) }
            ?? SwiftTimestamp.zero
        let name = ContainerVersioning.archiveName(object: object, timestamp: timestamp)
        let stored = try await storeCopy(of: current, account: account, container: archive, object: name)
        try VersioningFailure.check(stored.status.code)
    }

    /// History mode: a zero-byte object with the delete marker content type, named for now.
    func writeDeleteMarker(account: String, object: String, archive: String) async throws {
        var headers = HTTPFields()
        headers[.contentType] = ContainerVersioning.deleteMarkerContentType
        headers[.contentLength] = "0"
        let name = ContainerVersioning.archiveName(object: object, timestamp: SwiftTimestamp.now())
        let put = Self.internalRequest(.put, account: account, container: archive, object: name, headers: headers)
        let stored = try await storeObject(put, account: account, container: archive, object: name)
        try VersioningFailure.check(stored.status.code)
    }

    /// Stack mode DELETE. The newest archived version replaces the object and the DELETE goes
    /// to that archived copy instead. When the newest is a delete marker: with an object
    /// present, the object is deleted (back to the deleted state); without one, the version
    /// under the marker (unless it is a marker too) is restored and removed, then the marker
    /// is deleted. A version that vanished meanwhile (404) is skipped for the next one.
    func deleteRestoringPreviousVersion(
        _ request: Request, account: String, container: String, object: String, archive: String
    ) async throws -> Response {
        var versions = ArchiveListing(
            proxy: self, account: account, container: archive, prefix: ContainerVersioning.archivePrefix(object: object))
        var target = request
        var targetPath = (container: container, object: object)
        while let newest = try await versions.next() {
            if newest.isDeleteMarker {
                let current = try await readBackendObject(.HEAD, account: account, container: container, object: object, headers: [:])
                await discard(current)
                if current.status != 404 {
                    try VersioningFailure.check(current.status)
                    break
                }
                while let older = try await versions.next(), !older.isDeleteMarker {
                    guard try await restore(archived: older.name, account: account, archive: archive, container: container, object: object)
                    else { continue }
                    let removed = try await storeObject(
                        Self.internalRequest(.delete, account: account, container: archive, object: older.name),
                        account: account, container: archive, object: older.name)
                    // A version removed meanwhile was still copied back: that is enough.
                    if removed.status.code != 404 { try VersioningFailure.check(removed.status.code) }
                    break
                }
            } else {
                guard try await restore(archived: newest.name, account: account, archive: archive, container: container, object: object)
                else { continue }
            }
            // The DELETE now removes the archived copy; the client's conditions were for the object.
            target = Self.internalRequest(.delete, account: account, container: archive, object: newest.name)
            targetPath = (archive, newest.name)
            break
        }
        return try await storeObject(target, account: account, container: targetPath.container, object: targetPath.object)
    }

    /// Copies an archived version over the object; false when that version is gone (404).
    func restore(archived name: String, account: String, archive: String, container: String, object: String) async throws -> Bool {
        let version = try await readBackendObject(.GET, account: account, container: archive, object: name, headers: [:])
        if version.status == 404 {
            await discard(version)
            return false
        }
        if !version.isSuccess { await discard(version) }
        try VersioningFailure.check(version.status)
        let stored = try await storeCopy(of: version, account: account, container: container, object: object)
        try VersioningFailure.check(stored.status.code)
        return true
    }

    /// Stores an object answer (its bytes, metadata, content type, manifest headers and system
    /// metadata, not its timestamp) as `container/object`, streaming the bytes through; 413
    /// when it has no length or is larger than the largest object.
    func storeCopy(of answer: BackendResponse, account: String, container: String, object: String) async throws -> Response {
        guard let length = answer.headers.first(name: "Content-Length").flatMap(Int64.init), length <= constraints.maxFileSize else {
            await discard(answer)
            throw VersioningFailure(.contentTooLarge)
        }
        var headers = ProxyHeaders.toClient(answer.headers, keepSysMeta: true)
        headers[.xTimestamp] = nil
        headers[.contentLength] = String(length)
        let body = answer.body.map { ObjectBody(source: .backend($0)) } ?? .empty
        let put = Self.internalRequest(
            .put, account: account, container: container, object: object, headers: headers, body: RequestBody(asyncSequence: body))
        return try await storeObject(put, account: account, container: container, object: object)
    }
}
