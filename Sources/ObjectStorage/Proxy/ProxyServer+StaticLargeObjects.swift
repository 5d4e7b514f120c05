import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import StratusKit

/// Storing and deleting static large objects, as Swift's `slo` middleware does.
extension ProxyServer {
    /// `PUT ?multipart-manifest=put`: the body lists the segments (`path`, optional `etag`,
    /// `size_bytes` and `range`, or inline `data`). Every segment is checked with a HEAD (it must
    /// exist, match the ETag and size given, be at least 1 byte but the last); then the manifest
    /// is stored with `X-Static-Large-Object: True`, the large object's ETag and size in system
    /// metadata and `swift_bytes=<size>` on its content type (container listings show the size).
    ///
    /// 201 with the large object's ETag; 400 for a bad manifest (Swift's messages) or bad
    /// segments (`Errors:` list in the `Accept` format); 411; 413 (manifest over
    /// `max_manifest_size`, or too many segments); 422 when the `ETag` sent is not the large
    /// object's.
    func putStaticManifest(_ request: Request, account: String, container: String, object: String) async throws -> Response {
        let length = request.headers[.contentLength].flatMap { Int($0) }
        let chunked = request.headers[.transferEncoding]?.lowercased().contains("chunked") == true
        guard length != nil || chunked else { return ProxyErrors.response(.lengthRequired) }
        let tooLarge = "Manifest File > \(limits.maxManifestSize) bytes"
        if let length, length > limits.maxManifestSize { return Self.textResponse(.contentTooLarge, tooLarge) }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limits.maxManifestSize)
        } catch {
            return Self.textResponse(.contentTooLarge, tooLarge)
        }
        let input: [SLOInputSegment]
        switch SLOManifest.parseInput(Array(buffer: body), manifestContainer: container, manifestObject: object) {
        case .success(let segments): input = segments
        case .failure(.topLevel(let message)): return Self.textResponse(.badRequest, message)
        case .failure(.entries(let message)): return Self.textResponse(.badRequest, message, contentType: "text/plain")
        }
        if input.filter({ $0.data == nil }).count > limits.maxManifestSegments {
            return Self.textResponse(.contentTooLarge, "Number of object-backed segments must be <= \(limits.maxManifestSegments)")
        }
        let format: String
        if case .match(let best) = SwiftText.bestMatch(accept: request.headers[.accept], options: BulkResponse.acceptableFormats) {
            format = best
        } else {
            format = "text/plain"
        }

        let heads = await headSegments(account: account, paths: input.compactMap(\.path))
        var problems: [[String]] = []
        var stored: [SLOSegment] = []
        var contentTypes: [String?] = []
        var lastModified: [String?] = []
        var total: Int64 = 0
        for (index, segment) in input.enumerated() {
            if let data = segment.data {
                stored.append(SLOSegment(data: data))
                contentTypes.append(nil)
                lastModified.append(nil)
                total += Int64(data.count)
                continue
            }
            let path = segment.path ?? ""
            guard let head = heads[path], head.isSuccess else {
                problems.append([SwiftText.quote(path), SwiftText.statusLine(heads[path]?.status ?? 503)])
                continue
            }
            let size = head.contentLength ?? 0
            var segmentLength = size
            var range: ClosedRange<Int64>? = nil
            if let requested = segment.range {
                let ranges = requested.ranges(forLength: size)
                if ranges.isEmpty {
                    problems.append([SwiftText.quote(path), "Unsatisfiable Range"])
                } else if ranges != [0..<size] {
                    range = ranges[0].lowerBound...(ranges[0].upperBound - 1)
                    segmentLength = Int64(ranges[0].count)
                }
            }
            if segmentLength < 1 && index != input.count - 1 {
                problems.append([SwiftText.quote(path), "Too small; each segment must be at least 1 byte."])
            }
            if let expected = segment.sizeBytes, expected != size { problems.append([SwiftText.quote(path), "Size Mismatch"]) }
            let etag = SwiftText.normalizeETag(head.headers[.eTag]) ?? ""
            if let expected = segment.etag, expected != etag { problems.append([SwiftText.quote(path), "Etag Mismatch"]) }
            stored.append(
                SLOSegment(
                    name: "/" + path.drop { $0 == "/" }, bytes: size, hash: etag, range: range,
                    subSLO: SwiftText.isTrue(head.headers[.xStaticLargeObject])))
            contentTypes.append(head.headers[.contentType])
            lastModified.append(
                SLOManifest.listingDate(head.headers[.lastModified].flatMap(HTTPDate.parse) ?? Timestamp.now().seconds))
            total += segmentLength
        }
        if !problems.isEmpty {
            let text = BulkResponse.body(format: format, fields: [], errors: problems, rootTag: "upload")
            return Response(
                status: .badRequest, headers: [.contentType: format, .contentLength: String(text.count)],
                body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }

        let (etag, _) = SLOManifest.etagAndSize(stored)
        if let sent = SwiftText.normalizeETag(request.headers[.eTag]), !sent.isEmpty, sent != etag {
            return ProxyErrors.response(.unprocessableContent, detail: "Unable to process the contained instructions")
        }
        let manifest = SLOManifest.encodeStored(stored, contentTypes: contentTypes, lastModified: lastModified)
        var headers = HTTPFields()
        for field in request.headers {
            switch field.name.canonicalName {
            case "content-length", "transfer-encoding", "etag", "content-type", "x-detect-content-type": continue
            default: headers.append(field)
            }
        }
        var contentType = request.headers[.contentType] ?? ""
        if contentType.isEmpty || SwiftText.isTrue(request.headers[.xDetectContentType]) {
            contentType = ContentTypeGuess.forObject(object)
        }
        headers[.contentType] = contentType + ";swift_bytes=\(total)"
        headers[.contentLength] = String(manifest.count)
        headers[.eTag] = SwiftText.md5Hex(manifest)
        headers[.xStaticLargeObject] = "True"
        headers[HTTPField.Name(Self.sloEtagSysmeta)!] = etag
        headers[HTTPField.Name(Self.sloSizeSysmeta)!] = String(total)
        let put = Self.internalRequest(
            .put, account: account, container: container, object: object, headers: headers,
            body: RequestBody(buffer: ByteBuffer(bytes: manifest)))
        var response = try await handleObject(put, account: account, container: container, object: object)
        if (200..<300).contains(response.status.code) { response.headers[.eTag] = "\"\(etag)\"" }
        return response
    }

    /// HEADs of the segments (each path once, a few at a time) through the proxy, so that a
    /// segment that is itself a large object reports its large-object ETag and size.
    func headSegments(account: String, paths: [String]) async -> [String: ObjectRead] {
        var unique: [String] = []
        var seen = Set<String>()
        for path in paths where seen.insert(path).inserted { unique.append(path) }
        var results: [String: ObjectRead] = [:]
        var queue = unique.makeIterator()
        await withTaskGroup(of: (String, ObjectRead).self) { group in
            func start(_ path: String) {
                group.addTask {
                    guard let names = Self.splitContainerObject(path),
                        self.constraints.checkNames(ProxyPath(account: account, container: names.container, object: names.object)) == nil
                    else { return (path, ObjectRead.failure(.badRequest)) }
                    let read = try? await self.readObject(
                        .head, account: account, container: names.container, object: names.object, headers: [:], query: ProxyQuery(nil))
                    return (path, read ?? ObjectRead.failure(.serviceUnavailable))
                }
            }
            for _ in 0..<max(limits.concurrency * 2, 1) {
                guard let path = queue.next() else { break }
                start(path)
            }
            while let (path, read) = await group.next() {
                results[path] = read
                if let next = queue.next() { start(next) }
            }
        }
        return results
    }

    /// `DELETE ?multipart-manifest=delete`: deletes every segment (sub-manifests' segments
    /// too, then the sub-manifests) and then the manifest. 200 with the bulk-delete body in the
    /// `Accept` format; a manifest that is not an SLO is reported there (400), not deleted.
    func deleteStaticManifest(_ request: Request, account: String, container: String, object: String) -> Response {
        let format = BulkResponse.format(accept: request.headers[.accept])
        return BulkResponse.streaming(format: format, frequency: limits.yieldFrequency) {
            var fields: [(String, BulkResponse.Value)] = [
                ("Response Status", .string("200 OK")), ("Response Body", .string("")), ("Number Deleted", .int(0)),
                ("Number Not Found", .int(0)),
            ]
            var errors: [[String]] = []
            do {
                guard format != nil else { throw BulkFailure(status: 406) }
                let items = try await self.itemsOfManifest(account: account, name: "/\(container)/\(object)")
                (fields, errors) = await self.runDeletes(account: account, items: items)
            } catch let failure as BulkFailure {
                fields[0].1 = .string(SwiftText.statusLine(failure.status))
                fields[1].1 = .string(failure.body)
            } catch {
                fields[0].1 = .string(SwiftText.statusLine(500))
            }
            return BulkResponse.body(format: format, fields: fields, errors: errors, rootTag: "delete")
        }
    }

    /// What a multipart delete removes, in order: the segments of each manifest (expanding
    /// sub-manifests), each manifest after its segments.
    func itemsOfManifest(account: String, name: String) async throws -> [BulkDeleteItem] {
        var queue: [(item: BulkDeleteItem, isManifest: Bool)] = [(BulkDeleteItem(name: name), true)]
        var items: [BulkDeleteItem] = []
        while !queue.isEmpty {
            if queue.count > limits.maxManifestSegments * 10 {
                throw BulkFailure(status: 400, body: "Too many buffered slo segments to delete.")
            }
            var (item, isManifest) = queue.removeFirst()
            guard isManifest else {
                items.append(item)
                continue
            }
            do {
                let segments = try await manifestSegments(account: account, name: item.name)
                queue += segments.filter { $0.data == nil }.map { (BulkDeleteItem(name: $0.name), $0.subSLO) }
            } catch let failure as BulkFailure {
                item.errorCode = failure.status
                item.errorMessage = failure.body
            }
            queue.append((item, false))
        }
        return items
    }

    /// The segments of the SLO manifest `/container/object`.
    func manifestSegments(account: String, name: String) async throws -> [SLOSegment] {
        guard let names = Self.splitContainerObject(name) else { throw BulkFailure(status: 400, body: "Invalid SLO manifest path") }
        let answer = try await readBackendObject(.GET, account: account, container: names.container, object: names.object, headers: [:])
        if answer.status == 404 { throw BulkFailure(status: 404, body: "SLO manifest not found") }
        guard answer.isSuccess else {
            await discard(answer)
            throw BulkFailure(status: 500, body: "Unable to load SLO manifest or segment.")
        }
        guard Self.isStaticManifest(answer) else {
            await discard(answer)
            throw BulkFailure(status: 400, body: "Not an SLO manifest")
        }
        do {
            return try SLOManifest.parseStored(Array(buffer: try await answer.collectBody(upTo: maxStoredManifestSize)))
        } catch {
            throw BulkFailure(status: 500, body: "Unable to load SLO manifest")
        }
    }
}
