import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

extension ObjectServer {
    /// DELETE: writes a tombstone at `X-Timestamp` when that is newer than what is there.
    ///
    /// 204 when it deleted an existing object; 404 when there was none (deleted, expired or
    /// never there; the tombstone is written all the same); 409 when the object has a version at
    /// or after `X-Timestamp`. Every answer carries `X-Backend-Timestamp` (the later of the
    /// existing and the request's) and `X-Backend-Content-Type`. With `X-If-Delete-At` (the
    /// expirer's), the object must exist, be older, and have that `X-Delete-At` (else 404, 409,
    /// 412). 400 without a valid `X-Timestamp`; 507 when the device is missing.
    func delete(_ request: Request, context: StratusRequestContext) async throws -> Response {
        let path = try ObjectServer.objectPath(request)
        let method = request.method
        let timestamp = try ObjectServer.requiredTimestamp(request)
        let disk: DiskFile
        do {
            disk = try diskFile(path)
        } catch let error as DiskFileError {
            return ObjectServer.failure(error, device: path.device, method: method)
        }
        var existingTimestamp = SwiftTimestamp.zero
        var existingMetadata: [String: String] = [:]
        var status: HTTPResponse.Status = .notFound
        do {
            let object = try await blocking { try disk.open(now: timestamp.seconds) }
            existingTimestamp = object.dataTimestamp
            existingMetadata = object.metadata
            status = existingTimestamp < timestamp ? .noContent : .conflict
        } catch let error as DiskFileError {
            switch error {
            case .expired(let stamp, let metadata):
                (existingTimestamp, existingMetadata) = (stamp, metadata)
            case .deleted(let stamp):
                existingTimestamp = stamp
            case .notFound, .quarantined:
                break
            case .stateChanged:
                // Unread metadata may carry an X-Delete-At: let the client retry.
                return ObjectServerResponse.make(.serviceUnavailable, method: method)
            default:
                return ObjectServer.failure(error, device: path.device, method: method)
            }
        }
        if let text = request.headers[.xIfDeleteAt] {
            guard let expected = SwiftTimestamp(text) else {
                throw APIError(.badRequest, "Bad X-If-Delete-At header value")
            }
            if existingTimestamp == .zero { return ObjectServerResponse.make(.notFound, method: method) }
            if existingTimestamp >= timestamp { return ObjectServerResponse.make(.conflict, method: method) }
            let actual = existingMetadata["X-Delete-At"].flatMap(SwiftTimestamp.init) ?? .zero
            if actual != expected {
                return ObjectServerResponse.text(
                    .preconditionFailed, "X-If-Delete-At and X-Delete-At do not match", method: method)
            }
            status = .noContent
        }
        if existingTimestamp < timestamp {
            let (reclaimAge, now) = (self.reclaimAge, clock())
            do {
                try await blocking { try disk.delete(timestamp: timestamp, reclaimAge: reclaimAge, now: now) }
            } catch let error as DiskFileError {
                if case .system = error { context.logger.error("tombstone write failed", metadata: ["error": "\(error)"]) }
                return ObjectServer.failure(error, device: path.device, method: method)
            }
            await updateContainer(
                op: "DELETE", path: path, disk: disk, request: request, headers: ["x-timestamp": timestamp.internal],
                context: context)
        }
        let headers: HTTPFields = [
            .xBackendTimestamp: max(existingTimestamp, timestamp).internal,
            .xBackendContentType: existingMetadata["Content-Type"] ?? "",
        ]
        return ObjectServerResponse.make(status, headers: headers, method: method)
    }
}
