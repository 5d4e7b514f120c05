import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

extension ObjectServer {
    /// POST ("fast POST"): replaces the object's metadata by writing a `.meta` file at
    /// `X-Timestamp`; the data stays. The new metadata is the request's user metadata
    /// (`X-Object-Meta-*`), transient system metadata and allowed headers (`X-Delete-At`,
    /// `Content-Disposition`, …): what is not sent is dropped. `Content-Type`, when sent,
    /// replaces the content type; otherwise the current one stays.
    ///
    /// 202; 404 when the object is missing, deleted or expired; 409 (with
    /// `X-Backend-Timestamp`) when the metadata is already at or after `X-Timestamp`; 400 for a
    /// missing `X-Timestamp`, bad metadata or a bad `X-Delete-At`; 507 when the device is missing.
    func post(_ request: Request, context: StratusRequestContext) async throws -> Response {
        if let replicate = try await replicateThroughPost(request, context: context) { return replicate }
        let path = try ObjectServer.objectPath(request)
        let method = request.method
        let timestamp = try ObjectServer.requiredTimestamp(request)
        let headers = request.headers
        var deleteAt: Int64? = nil
        if let text = headers[.xDeleteAt] {
            guard let value = Int64(text) else { return ObjectServerResponse.text(.badRequest, "Non-integer X-Delete-At", method: method) }
            if Double(value) < timestamp.seconds {
                return ObjectServerResponse.text(.badRequest, "X-Delete-At in past", method: method)
            }
            deleteAt = value
        }
        if let problem = ObjectHeaders.metadataProblem(headers) { throw APIError(.badRequest, problem) }
        var contentTypeTimestamp = SwiftTimestamp.zero
        if headers[.contentType] != nil {
            if let text = headers[.contentTypeTimestamp] {
                guard let value = SwiftTimestamp(text) else { throw APIError(.badRequest, "Bad Content-Type-Timestamp") }
                contentTypeTimestamp = value
            } else {
                contentTypeTimestamp = timestamp
            }
        }

        let disk: DiskFile
        let object: OpenObject
        do {
            disk = try diskFile(path)
            object = try await blocking { try disk.open(now: timestamp.seconds) }
        } catch let error as DiskFileError {
            switch error {
            case .deleted, .expired, .notFound, .quarantined:
                return ObjectServerResponse.make(.notFound, method: method)
            default:
                return ObjectServer.failure(error, device: path.device, method: method)
            }
        }
        // Content types sent with their own (older) timestamp by internal services are not
        // merged into an older POST here: the metadata's timestamp decides alone.
        if object.timestamp >= timestamp {
            return ObjectServerResponse.make(
                .conflict, headers: [.xBackendTimestamp: object.timestamp.internal], method: method)
        }
        var metadata = ObjectHeaders.storedMetadata(headers, includeSysMeta: false)
        if let deleteAt { metadata["X-Delete-At"] = String(deleteAt) }
        var contentType = object.metadata["Content-Type"] ?? ""
        var typeTimestamp = object.contentTypeTimestamp
        if contentTypeTimestamp > object.contentTypeTimestamp, let sent = headers[.contentType] {
            contentType = sent
            typeTimestamp = contentTypeTimestamp
            metadata["Content-Type"] = contentType
            metadata["Content-Type-Timestamp"] = typeTimestamp.internal
        } else {
            if typeTimestamp != object.dataTimestamp {
                // A content type set by an earlier POST is carried into the new .meta.
                metadata["Content-Type"] = contentType
                metadata["Content-Type-Timestamp"] = typeTimestamp.internal
            }
        }
        let (reclaimAge, now) = (self.reclaimAge, clock())
        let stored = metadata
        do {
            try await blocking { try disk.writeMetadata(stored, timestamp: timestamp, reclaimAge: reclaimAge, now: now) }
        } catch let error as DiskFileError {
            if case .system = error { context.logger.error("metadata write failed", metadata: ["error": "\(error)"]) }
            return ObjectServer.failure(error, device: path.device, method: method)
        }
        if let deleteAt { await recordExpiring(disk: disk, path: path, deleteAt: deleteAt, context: context) }

        var update: [String: String] = [
            "x-size": object.metadata["Content-Length"] ?? "0", "x-content-type": contentType,
            "x-timestamp": object.dataTimestamp.internal, "x-content-type-timestamp": typeTimestamp.internal,
            "x-meta-timestamp": timestamp.internal, "x-etag": object.etag,
        ]
        ObjectServer.applyContainerUpdateOverrides(object.dataMetadata.httpFields, to: &update)
        await updateContainer(op: "PUT", path: path, disk: disk, request: request, headers: update, context: context)

        var response: HTTPFields = [.xBackendContentType: contentType]
        for (key, value) in object.dataMetadata where ObjectHeaders.isSysMeta(key.lowercased()) {
            if let name = HTTPField.Name(key) { response[name] = value }
        }
        return ObjectServerResponse.make(.accepted, headers: response, method: method)
    }
}

extension Dictionary where Key == String, Value == String {
    /// Stored metadata as header fields (keys that are not valid header names are skipped).
    var httpFields: HTTPFields {
        var fields = HTTPFields()
        for (key, value) in self { if let name = HTTPField.Name(key) { fields[name] = value } }
        return fields
    }
}
