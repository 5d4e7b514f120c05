import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

extension ObjectServer {
    /// GET and HEAD: the object's bytes (GET) and metadata headers.
    ///
    /// 200 with the object; 206 for satisfiable ranges (one range as is, several as
    /// `multipart/byteranges`); 416 when none is; 304/412 for conditional requests (see
    /// `ConditionalRequest`); 404 when missing, deleted (with `X-Backend-Timestamp`) or expired
    /// (likewise); 403 on a name collision; 507 when the device is missing; 503 when the files
    /// changed while opening.
    func get(_ request: Request, context: StratusRequestContext) async throws -> Response {
        let path = try ObjectServer.objectPath(request)
        let method = request.method
        let now = try currentTime(request)
        let conditions = ConditionalRequest(headers: request.headers)
        let object: OpenObject
        do {
            let disk = try diskFile(path)
            object = try await blocking { try disk.open(now: now) }
        } catch let error as DiskFileError {
            if case .system = error { context.logger.error("object open failed", metadata: ["error": "\(error)"]) }
            if error.isMissing, let status = conditions.statusWhenMissing {
                return ObjectServerResponse.make(status, method: method)
            }
            return ObjectServer.failure(error, device: path.device, method: method)
        }

        var headers = HTTPFields()
        let contentType = object.metadata["Content-Type"] ?? "application/octet-stream"
        headers[.contentType] = contentType
        for (key, value) in object.metadata.sorted(by: { $0.key < $1.key }) where ObjectHeaders.isReturned(key) {
            if let name = HTTPField.Name(key) { headers[name] = value }
        }
        headers[.eTag] = "\"\(object.etag)\""
        let lastModified = object.timestamp.ceilingSeconds
        headers[.lastModified] = HTTPDate.format(lastModified)
        headers[.xTimestamp] = object.timestamp.normal
        headers[.xBackendTimestamp] = object.timestamp.internal
        headers[.xBackendDataTimestamp] = object.dataTimestamp.internal
        headers[.xBackendDurableTimestamp] = object.dataTimestamp.internal
        headers[.acceptRanges] = "bytes"

        if let status = conditions.status(etag: object.etag, lastModified: lastModified) {
            headers[.contentLength] = "0"
            return Response(status: status, headers: headers)
        }
        headers[.contentLength] = String(object.contentLength)
        if method == .head { return Response(status: .ok, headers: headers) }

        if let header = request.headers[.range], let requested = ByteRanges(header: header) {
            let ranges = requested.ranges(forLength: object.contentLength)
            if ranges.isEmpty {
                headers[.contentRange] = "bytes */\(object.contentLength)"
                headers[.contentType] = nil
                return ObjectServerResponse.make(.rangeNotSatisfiable, headers: headers, method: method)
            }
            if object.contentLength > 0, ranges.count == 1 {
                let range = ranges[0]
                headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(object.contentLength)"
                headers[.contentLength] = String(range.count)
                return Response(status: .partialContent, headers: headers, body: ObjectResponseBody.single(object, range))
            }
            if object.contentLength > 0 {
                let boundary = IDGenerator.hex()
                let body = ObjectResponseBody.multipart(object, ranges, contentType: contentType, boundary: boundary)
                headers[.contentType] = "multipart/byteranges;boundary=\(boundary)"
                headers[.contentLength] = body.contentLength.map(String.init)
                return Response(status: .partialContent, headers: headers, body: body)
            }
        }
        let dataPath = object.dataPath
        let hashDirectory = (dataPath as NSString).deletingLastPathComponent
        let devicePath = try layout.devicePath(path.device)
        let logger = context.logger
        let file = object.file
        let body = ObjectResponseBody.whole(object) {
            // The bytes on disk no longer hash to the ETag: quarantine, unless the file was
            // replaced meanwhile (then the directory holds a different, newer object).
            guard let identity = FileIdentity(path: dataPath), identity == FileIdentity(file) else { return }
            let moved = try? Quarantine.quarantine(hashDirectory: hashDirectory, devicePath: devicePath)
            logger.error("object data does not match its ETag; quarantined", metadata: ["to": "\(moved ?? "-")"])
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}

extension DiskFileError {
    /// A 404 (as opposed to a device or server problem).
    var isMissing: Bool {
        switch self {
        case .notFound, .deleted, .expired, .quarantined: true
        default: false
        }
    }
}
