import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

extension ImageAPI {
    func registerImageData(on router: Router<StratusRequestContext>) {
        router.put("/v2/images/{image_id}/file") { request, context in
            try await receiveData(request, context, into: .stored)
        }
        router.put("/v2/images/{image_id}/stage") { request, context in
            try await receiveData(request, context, into: .staged)
        }
        router.get("/v2/images/{image_id}/file") { request, context in
            let auth = try context.requireAuth()
            guard let image = try await manager.download(try context.parameters.require("image_id"), auth: auth),
                let location = image.location, let size = image.size
            else { return JSONResponse.empty() }
            var headers = HTTPFields()
            headers[.contentType] = "application/octet-stream"
            if let checksum = image.checksum { headers[HTTPField.Name("Content-MD5")!] = checksum }
            if let rangeHeader = request.headers[.range] {
                if rangeHeader.contains(",") {
                    throw APIError.badRequest(
                        "Requests with multiple ranges are not supported in Glance. You may make multiple single-range requests instead.")
                }
                guard let range = ByteRange.parse(rangeHeader, size: size) else {
                    throw APIError(
                        .rangeNotSatisfiable,
                        "Invalid start position in Range header. Start position MUST be in the inclusive range [0, \(size - 1)].",
                        headers: [.contentRange: "bytes */\(size)"])
                }
                headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
                let body = try await manager.store.read(location: location, range: range)
                return Response(status: .partialContent, headers: headers, body: body)
            }
            let body = try await manager.store.read(location: location, range: nil)
            return Response(status: .ok, headers: headers, body: body)
        }
        router.post("/v2/images/{image_id}/import") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let body = try await request.jsonObject(context: context)
            guard let methodObject = body["method"]?.objectValue else {
                throw APIError.badRequest("Import request requires a 'method' field.")
            }
            guard let name = methodObject["name"]?.stringValue else {
                throw APIError.badRequest("Import request requires a 'name' field.")
            }
            let method: ImageManager.ImportMethod
            switch name {
            case "glance-direct":
                method = .glanceDirect
            case "web-download":
                guard let uri = methodObject["uri"]?.stringValue, let url = URL(string: uri) else {
                    throw APIError.badRequest("web-download requires a 'uri'.")
                }
                method = .webDownload(url)
            default:
                throw APIError.badRequest("Unknown import method name '\(name)'.")
            }
            if name == "web-download", !manager.importMethods.contains(name) {
                throw APIError.badRequest("Import method web-download is not enabled on this cloud.")
            }
            _ = try await manager.importImage(
                try context.parameters.require("image_id"), method: method, request: .object(body), auth: auth,
                requestID: context.requestID)
            return JSONResponse.empty(.accepted)
        }
    }

    /// `PUT …/file` (into the store) and `PUT …/stage` (into the staging area): 204.
    private func receiveData(_ request: Request, _ context: StratusRequestContext, into quota: ImageManager.StorageQuota)
        async throws -> Response
    {
        let auth = try context.requireAuth()
        try Self.requireOctetStream(request)
        let id = try context.parameters.require("image_id")
        let size = try Self.declaredSize(request)
        switch quota {
        case .stored: try await manager.upload(id, data: request.body, declaredLength: size, auth: auth)
        case .staged: try await manager.stage(id, data: request.body, declaredLength: size, auth: auth)
        }
        return JSONResponse.empty()
    }

    /// Image data is sent as `application/octet-stream` (415 otherwise, as Glance answers).
    static func requireOctetStream(_ request: Request) throws {
        guard request.mediaType == "application/octet-stream" else {
            throw APIError(.unsupportedMediaType, "Invalid content type \(request.mediaType ?? "None")")
        }
    }

    /// The size the client declares: `X-OpenStack-Image-Size`, else `Content-Length`, else
    /// unknown (chunked).
    static func declaredSize(_ request: Request) throws -> Int64? {
        if let text = request.headers[HTTPField.Name("X-OpenStack-Image-Size")!] {
            guard let size = Int64(text), size >= 0 else {
                throw APIError.badRequest("Invalid or missing image size in request headers.")
            }
            return size
        }
        return request.contentLength
    }
}

/// One byte range of a `Range: bytes=…` header, resolved against the data's size.
enum ByteRange {
    /// `bytes=a-b`, `bytes=a-` or `bytes=-n`; nil when unsatisfiable or not a single range.
    static func parse(_ header: String, size: Int64) -> ClosedRange<Int64>? {
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.hasPrefix("bytes="), size > 0 else { return nil }
        let spec = text.dropFirst(6)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        if first.isEmpty {
            guard let suffix = Int64(last), suffix > 0 else { return nil }
            return max(0, size - suffix)...(size - 1)
        }
        guard let start = Int64(first), start < size else { return nil }
        if last.isEmpty { return start...(size - 1) }
        guard let end = Int64(last), end >= start else { return nil }
        return start...min(end, size - 1)
    }
}
