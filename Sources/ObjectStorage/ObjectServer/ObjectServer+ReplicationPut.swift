import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

/// The replicator's way to copy one object file to another device as it is: a PUT to the
/// object's path carrying the file's name and its complete stored metadata.
///
/// ```
/// PUT /<device>/<partition>/<account>/<container>/<object>
/// X-Backend-Replication: True
/// X-Backend-Replication-File: 1700000000.12345.data          (or .ts, .meta; internal timestamp form)
/// X-Backend-Replication-Metadata: <base64 of the metadata JSON, as in the xattr>
/// Content-Length: <bytes of a .data file; 0 for .ts and .meta>
///
/// <the .data file's bytes>
/// ```
///
/// The file is stored under that name with that metadata, byte for byte (no new timestamp, no
/// metadata filtering), and no container update is sent: the copy describes a write that
/// already happened. Answers:
/// - 201: stored;
/// - 409: not needed: the device has this file already, or newer files that make it obsolete
///   (the body is read and dropped);
/// - 400: a bad file name, undecodable metadata, metadata whose `name` is not the path's
///   object, a `.ts`/`.meta` with a body, or a `.data` whose `Content-Length` metadata is not
///   the body's length;
/// - 411 without `Content-Length`; 422 when a `.data` body's MD5 is not its `ETag` metadata
///   (a corrupt source: nothing is kept); 499 when the body ends early; 507 device missing.
///
/// A `.data` with `X-Delete-At` is added to the device's expirer queue, as a client's PUT is.
extension ObjectServer {
    static func isReplicationPut(_ request: Request) -> Bool {
        request.headers[.xBackendReplicationFile] != nil
            && StorageRequest.isTrue(request.headers[.xBackendReplication])
    }

    func replicationPut(_ request: Request, context: StratusRequestContext) async throws -> Response {
        let path = try ObjectServer.objectPath(request)
        let method = request.method
        guard let fileText = request.headers[.xBackendReplicationFile], let file = ObjectFileName(fileText) else {
            throw APIError(.badRequest, "Bad X-Backend-Replication-File")
        }
        guard let encoded = request.headers[.xBackendReplicationMetadata],
            let metadata = ReplicationMetadata.decode(encoded)
        else {
            throw APIError(.badRequest, "Bad X-Backend-Replication-Metadata")
        }
        guard let lengthText = request.headers[.contentLength] else {
            throw APIError(.lengthRequired, "Missing Content-Length header.")
        }
        guard let length = Int64(lengthText), length >= 0 else {
            throw APIError(.badRequest, "Invalid Content-Length header value")
        }
        if file.kind != .data, length != 0 { throw APIError(.badRequest, "Only a .data file has a body") }
        if file.kind == .data {
            guard metadata["Content-Length"] == String(length), metadata["ETag"] != nil else {
                throw APIError(.badRequest, "Content-Length or ETag metadata does not describe the body")
            }
        }
        let disk: DiskFile
        do {
            disk = try diskFile(path)
        } catch let error as DiskFileError {
            return ObjectServer.failure(error, device: path.device, method: method)
        }
        guard metadata["name"] == disk.name else { throw APIError(.badRequest, "Metadata name is not the object's") }

        let wanted = try await blocking { try disk.wantsReplicated(file) }
        guard wanted else {
            for try await _ in request.body {}
            return ObjectServerResponse.make(.conflict, method: method)
        }
        let writer: DiskFileWriter
        do {
            writer = try await blocking { try UncheckedSendable(disk.makeWriter(size: length)) }.value
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
        guard writer.bytesWritten == length else {
            writer.abort()
            return ObjectServerResponse.make(ObjectServerResponse.clientDisconnect, method: method)
        }
        if file.kind == .data, writer.etag != metadata["ETag"] {
            writer.abort()
            context.logger.error(
                "replicated data does not match its ETag; refused",
                metadata: ["object": "\(disk.name)", "file": "\(file.name)"])
            return ObjectServerResponse.make(.unprocessableContent, method: method)
        }
        let finished = UncheckedSendable(writer)
        let (reclaimAge, now) = (self.reclaimAge, clock())
        do {
            try await blocking {
                try finished.value.commit(
                    metadata: metadata, hashDirectory: disk.hashDirectory, fileName: file, reclaimAge: reclaimAge, now: now)
            }
        } catch let error as DiskFileError {
            writer.abort()
            if case .system = error { context.logger.error("replicated write failed", metadata: ["error": "\(error)"]) }
            return ObjectServer.failure(error, device: path.device, method: method)
        }
        if file.kind == .data, let deleteAt = metadata["X-Delete-At"].flatMap(Int64.init) {
            await recordExpiring(disk: disk, path: path, deleteAt: deleteAt, context: context)
        }
        return ObjectServerResponse.make(.created, method: method)
    }
}

extension DiskFile {
    /// Whether a replicated `file` would add something here: false when the hash directory has
    /// that file already, or when, beside the files there, it would be obsolete at once.
    func wantsReplicated(_ file: ObjectFileName) throws(DiskFileError) -> Bool {
        let names = try HashDirectory.list(hashDirectory)
        if names.contains(file.name) { return false }
        let contents = HashDirectoryContents(names: names + [file.name])
        return contents.kept.contains(file) || contents.possiblyReclaimable.contains(file)
    }
}

/// The metadata of an object file in a replication request header: the JSON the file's
/// extended attributes hold, base64-encoded (a header value cannot carry every byte the JSON may).
enum ReplicationMetadata {
    static func encode(_ metadata: [String: String]) -> String {
        Data(MetadataXattr.encode(metadata)).base64EncodedString()
    }

    static func decode(_ text: String) -> [String: String]? {
        guard let data = Data(base64Encoded: text) else { return nil }
        return MetadataXattr.decode(Array(data))
    }
}

extension HTTPField.Name {
    static let xBackendReplicationFile = HTTPField.Name("X-Backend-Replication-File")!
    static let xBackendReplicationMetadata = HTTPField.Name("X-Backend-Replication-Metadata")!
}
