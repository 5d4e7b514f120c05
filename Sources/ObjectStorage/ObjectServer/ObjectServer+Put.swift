import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

extension ObjectServer {
    /// PUT: stores a new version of the object from the streamed body.
    ///
    /// 201 with the body's `ETag`; 400 without a valid `X-Timestamp`, without `Content-Type`,
    /// with a bad `X-Delete-At`/`X-Delete-After` (or one not after `X-Timestamp`) or bad
    /// metadata; 411 with neither `Content-Length` nor chunked encoding; 413 above 5 GiB; 409
    /// (with `X-Backend-Timestamp`) when the object already has a version at or after
    /// `X-Timestamp`; 412 for `If-None-Match` (`*` or the current ETag) when the object exists;
    /// 422 when the body's MD5 is not the `ETag` sent; 499 when the body is shorter than
    /// `Content-Length`; 507 when the device is missing or full.
    func put(_ request: Request, context: StratusRequestContext) async throws -> Response {
        if ObjectServer.isReplicationPut(request) { return try await replicationPut(request, context: context) }
        let path = try ObjectServer.objectPath(request)
        let method = request.method
        let timestamp = try ObjectServer.requiredTimestamp(request)
        let headers = request.headers
        let chunked = headers[.transferEncoding]?.lowercased().contains("chunked") ?? false
        var contentLength: Int64? = nil
        if !chunked, let text = headers[.contentLength] {
            guard let value = Int64(text), value >= 0 else { throw APIError(.badRequest, "Invalid Content-Length header value") }
            contentLength = value
        }
        if let contentLength, contentLength > ObjectHeaders.maxFileSize {
            throw APIError(.contentTooLarge, "Your request is too large.")
        }
        guard contentLength != nil || chunked else { throw APIError(.lengthRequired, "Missing Content-Length header.") }
        if path.object.utf8.count > ObjectHeaders.maxObjectNameLength {
            throw APIError(
                .badRequest, "Object name length of \(path.object.utf8.count) longer than \(ObjectHeaders.maxObjectNameLength)")
        }
        guard let contentType = headers[.contentType] else { throw APIError(.badRequest, "No content type") }
        let deleteAt = try ObjectServer.deleteAt(headers, timestamp: timestamp)
        if let problem = ObjectHeaders.metadataProblem(headers) { throw APIError(.badRequest, problem) }

        let disk: DiskFile
        do {
            disk = try diskFile(path)
        } catch let error as DiskFileError {
            return ObjectServer.failure(error, device: path.device, method: method)
        }
        let (existing, existingTimestamp) = try await currentVersion(disk, now: timestamp.seconds, path: path, method: method)
        if let existing, let ifNoneMatch = headers[.ifNoneMatch].map(ConditionalRequest.tags) {
            if ifNoneMatch.contains("*") || ifNoneMatch.contains(existing.etag) {
                return ObjectServerResponse.make(.preconditionFailed, method: method)
            }
        }
        if existingTimestamp >= timestamp {
            return ObjectServerResponse.make(
                .conflict, headers: [.xBackendTimestamp: existingTimestamp.internal], method: method)
        }

        let writer: DiskFileWriter
        do {
            let size = contentLength
            writer = try await blocking { try UncheckedSendable(disk.makeWriter(size: size)) }.value
        } catch let error as DiskFileError {
            return ObjectServer.failure(error, device: path.device, method: method)
        }
        do {
            for try await buffer in request.body {
                try buffer.withUnsafeReadableBytes { try writer.write($0) }
            }
        } catch let error as DiskFileError {
            writer.abort()
            return ObjectServer.failure(error, device: path.device, method: method)
        } catch {
            writer.abort()
            return ObjectServerResponse.make(ObjectServerResponse.clientDisconnect, method: method)
        }
        if let contentLength, writer.bytesWritten != contentLength {
            writer.abort()
            return ObjectServerResponse.make(ObjectServerResponse.clientDisconnect, method: method)
        }
        let etag = writer.etag
        if let sent = headers[.eTag].map(ConditionalRequest.unquote), !sent.isEmpty, sent != etag {
            writer.abort()
            return ObjectServerResponse.make(.unprocessableContent, method: method)
        }
        var metadata = ObjectHeaders.storedMetadata(headers, includeSysMeta: true)
        metadata["Content-Type"] = contentType
        metadata["Content-Length"] = String(writer.bytesWritten)
        metadata["ETag"] = etag
        if let deleteAt { metadata["X-Delete-At"] = String(deleteAt) }
        let finished = UncheckedSendable(writer)
        let stored = metadata
        let (reclaimAge, now) = (self.reclaimAge, clock())
        do {
            try await blocking {
                try disk.commitData(finished.value, metadata: stored, timestamp: timestamp, reclaimAge: reclaimAge, now: now)
            }
        } catch let error as DiskFileError {
            writer.abort()
            if case .system = error { context.logger.error("object write failed", metadata: ["error": "\(error)"]) }
            return ObjectServer.failure(error, device: path.device, method: method)
        }

        if let deleteAt { await recordExpiring(disk: disk, path: path, deleteAt: deleteAt, context: context) }

        var update: [String: String] = [
            "x-size": String(writer.bytesWritten), "x-content-type": contentType, "x-timestamp": timestamp.internal,
            "x-etag": etag,
        ]
        ObjectServer.applyContainerUpdateOverrides(headers, to: &update)
        await updateContainer(op: "PUT", path: path, disk: disk, request: request, headers: update, context: context)
        return ObjectServerResponse.make(.created, headers: [.eTag: "\"\(etag)\""], method: method)
    }

    /// The object's current version as a write sees it (judged at `now`, the write's
    /// timestamp): the open object when it has data, and the timestamp any new version must
    /// beat (data, tombstone or expired data; zero when there is nothing).
    func currentVersion(_ disk: DiskFile, now: Double, path: ObjectRequestPath, method: HTTPRequest.Method) async throws
        -> (OpenObject?, SwiftTimestamp)
    {
        do {
            let object = try await blocking { try disk.open(now: now) }
            return (object, object.dataTimestamp)
        } catch let error as DiskFileError {
            switch error {
            case .deleted(let timestamp), .expired(let timestamp, _): return (nil, timestamp)
            case .notFound, .quarantined, .stateChanged: return (nil, .zero)
            default: throw ObjectServer.DiskFailure(response: ObjectServer.failure(error, device: path.device, method: method))
            }
        }
    }

    /// `X-Delete-At` (or `X-Delete-After` seconds after the timestamp), checked as Swift checks
    /// it: an integer after `X-Timestamp`.
    static func deleteAt(_ headers: HTTPFields, timestamp: SwiftTimestamp) throws -> Int64? {
        var deleteAt: Int64? = nil
        if let after = headers[.xDeleteAfter] {
            guard let seconds = Int64(after) else { throw APIError(.badRequest, "Non-integer X-Delete-After") }
            let at = Int64((timestamp.seconds + Double(seconds)).rounded(.down))
            if Double(at) <= timestamp.seconds { throw APIError(.badRequest, "X-Delete-After in past") }
            deleteAt = at
        } else if let at = headers[.xDeleteAt] {
            guard let value = Int64(at) else { throw APIError(.badRequest, "Non-integer X-Delete-At") }
            deleteAt = value
        }
        if let deleteAt, Double(deleteAt) <= timestamp.seconds,
            headers[.xBackendReplication].map({ ["true", "1", "yes", "on", "t", "y"].contains($0.lowercased()) }) != true
        {
            throw APIError(.badRequest, "X-Delete-At in past")
        }
        return deleteAt
    }

    /// A ready response carried out of a helper as an error.
    struct DiskFailure: Error, @unchecked Sendable {
        var response: Response
    }
}

/// Carries a value the compiler cannot prove sendable across a thread-pool hop; used only for
/// values one task owns at a time (an object writer).
struct UncheckedSendable<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
