import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import StratusKit

/// GET and HEAD of objects, large ones included, as Swift's `dlo` and `slo` middlewares answer
/// them: a manifest is answered as the concatenation of its segments (streamed one segment at
/// a time), with the large object's ETag and length, ranges and conditions judged against the
/// whole; `?multipart-manifest=get` answers the manifest itself.
extension ProxyServer {
    enum ListingPage: Sendable {
        case rows([SegmentListingRow])
        case failure(Int)
    }

    /// One object read from the first replica that has it, as the object server answers.
    func readBackendObject(
        _ method: HTTPMethod, account: String, container: String, object: String, headers: HTTPHeaders
    ) async throws -> BackendResponse {
        let partition = try rings.object.partition(account: account, container: container, object: object)
        return await replicas.read(
            method, ring: rings.object, partition: partition,
            path: { BackendClient.path(device: $0.device, partition: partition, account: account, container: container, object: object) },
            headers: headers)
    }

    /// Reads the rest of a small unused body so its connection can be reused; a large one is
    /// dropped (its connection closes).
    func discard(_ answer: BackendResponse) async {
        guard let body = answer.body else { return }
        let length = answer.headers.first(name: "Content-Length").flatMap { Int($0) } ?? Int.max
        if length <= 1 << 16 { _ = try? await body.collect(upTo: 1 << 16) }
    }

    static func isStaticManifest(_ answer: BackendResponse) -> Bool {
        SwiftText.isTrue(answer.headers.first(name: "X-Static-Large-Object"))
    }

    /// The client's GET or HEAD of an object.
    func readObject(
        _ method: HTTPRequest.Method, account: String, container: String, object: String, headers: HTTPFields, query: ProxyQuery
    ) async throws -> ObjectRead {
        let backendMethod: HTTPMethod = method == .head ? .HEAD : .GET
        var answer = try await readBackendObject(
            backendMethod, account: account, container: container, object: object, headers: ProxyHeaders.toBackend(headers))
        if answer.status == 404 { return .failure(.notFound) }
        let isDynamic = answer.headers.contains(name: "X-Object-Manifest")
        guard isDynamic || Self.isStaticManifest(answer) else { return .relayed(answer) }
        if query["multipart-manifest"] == "get" {
            guard Self.isStaticManifest(answer) else { return .relayed(answer) }
            return try await staticManifestRead(method, answer: answer, raw: query["format"] == "raw", account: account, container: container, object: object)
        }

        // The manifest's own answer to a Range or condition says nothing about the large
        // object: read the manifest again without them (and with its body when it is needed).
        let legacy = answer.headers.first(name: Self.sloEtagSysmeta) == nil || answer.headers.first(name: Self.sloSizeSysmeta) == nil
        let needsBody = !isDynamic && (method == .get || legacy)
        if answer.status != 200 || (needsBody && backendMethod == .HEAD) {
            await discard(answer)
            answer = try await readBackendObject(needsBody ? .GET : backendMethod, account: account, container: container, object: object, headers: [:])
            if answer.status == 404 { return .failure(.notFound) }
            guard answer.headers.contains(name: "X-Object-Manifest") || Self.isStaticManifest(answer) else { return .relayed(answer) }
        }
        let name = "/v1/\(account)/\(container)/\(object)"
        if let manifest = answer.headers.first(name: "X-Object-Manifest") {
            await discard(answer)
            return try await readDynamic(
                method, account: account, manifest: ObjectRead.relayed(answer).headers, value: manifest, request: headers, name: name)
        }
        return try await readStatic(method, account: account, answer: answer, request: headers, name: name)
    }

    // MARK: Dynamic large objects

    /// One page of a DLO's segment listing (JSON, names starting with `prefix`, after `marker`).
    func listSegments(account: String, container: String, prefix: String, marker: String?) async throws -> ListingPage {
        let (partition, _) = try containerNodes(account, container)
        var query = "format=json&prefix=" + BackendClient.percentEncode(prefix)
        if let marker { query += "&marker=" + BackendClient.percentEncode(marker) }
        let answer = await replicas.read(
            .GET, ring: rings.container, partition: partition,
            path: { BackendClient.path(device: $0.device, partition: partition, account: account, container: container) },
            headers: [:], query: query)
        guard answer.isSuccess else {
            await discard(answer)
            return .failure(answer.status)
        }
        let body = try await answer.collectBody()
        guard body.readableBytes > 0 else { return .rows([]) }
        guard let items = (try? JSONValue.parse(bytes: Array(buffer: body)))?.arrayValue else { return .failure(500) }
        return .rows(
            items.compactMap { item in
                guard let name = item["name"]?.stringValue else { return nil }
                return SegmentListingRow(name: name, bytes: SLOManifest.integer(item["bytes"]) ?? 0, hash: item["hash"]?.stringValue ?? "")
            })
    }

    /// A DLO (`X-Object-Manifest: <container>/<prefix>`): the objects listed under the prefix,
    /// in name order. With a complete first listing page the answer has the ETag (MD5 of the
    /// segments' ETags) and the length; a single range is served over the whole, several are
    /// ignored (200), as in Swift.
    func readDynamic(
        _ method: HTTPRequest.Method, account: String, manifest: HTTPFields, value: String, request: HTTPFields, name: String
    ) async throws -> ObjectRead {
        let decoded = SwiftText.unquote(value)
        let parts = decoded.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let container = String(parts[0])
        let prefix = parts.count > 1 ? String(parts[1]) : ""
        let rows: [SegmentListingRow]
        switch try await listSegments(account: account, container: container, prefix: prefix, marker: nil) {
        case .rows(let page): rows = page
        case .failure(let status): return .failure(HTTPResponse.Status(code: status, reasonPhrase: SwiftText.reason(status)))
        }
        let complete = rows.count < constraints.containerListingLimit
        let total = rows.reduce(Int64(0)) { $0 + $1.bytes }

        var headers = manifest
        headers[.contentLength] = nil
        headers[.contentRange] = nil
        headers[.eTag] = nil
        var etag = ""
        if complete {
            etag = SwiftText.md5Hex(Array(rows.map { SwiftText.normalizeETag($0.hash) ?? "" }.joined().utf8))
            headers[.eTag] = "\"\(etag)\""
        }
        let lastModified = headers[.lastModified].flatMap(HTTPDate.parse) ?? 0
        if let status = ConditionalRequest(headers: request).status(etag: etag, lastModified: lastModified) {
            headers[.contentLength] = "0"
            return ObjectRead(status: status.code, headers: headers, body: .empty)
        }

        var status = 200
        var first: Int64 = 0
        var last: Int64? = nil
        var length: Int64? = complete ? total : nil
        if method == .get, let header = request[.range], let ranges = ByteRanges(header: header), ranges.specs.count == 1 {
            // Without the whole listing, only a range that ends inside the first page is known
            // to be satisfiable; any other is ignored and the whole object sent.
            let spec = ranges.specs[0]
            let end = spec.start != nil ? spec.end.map { $0 + 1 } : nil
            if complete || (end != nil && end! < total) {
                guard let range = ranges.ranges(forLength: total).first else {
                    var extra: HTTPFields = [.acceptRanges: "bytes"]
                    if complete { extra[.contentRange] = "bytes */\(total)" }
                    return .failure(.rangeNotSatisfiable, detail: "The Range requested is not available.", headers: extra)
                }
                status = 206
                first = range.lowerBound
                last = range.upperBound - 1
                length = Int64(range.count)
                headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(total)"
            }
        }
        if let length { headers[.contentLength] = String(length) }
        if method == .head { return ObjectRead(status: status, headers: headers, body: .empty) }

        let source = DynamicSegmentSource(
            proxy: self, account: account, container: container, prefix: prefix, firstPage: rows, firstByte: first, lastByte: last)
        return try await segmentedRead(status: status, headers: headers, account: account, name: name, source: source, length: length)
    }

    /// The answer with a segmented body whose first segment has been opened; a first segment
    /// that is missing or changed is a 409 (503 when its servers failed).
    func segmentedRead(
        status: Int, headers: HTTPFields, account: String, name: String, source: any SegmentSource, length: Int64?
    ) async throws -> ObjectRead {
        let stream = SegmentStream(proxy: self, account: account, name: name, source: source, length: length)
        do {
            try await stream.prime()
        } catch SegmentError.unavailable {
            return .failure(.serviceUnavailable)
        } catch is SegmentError {
            return .failure(.conflict)
        }
        return ObjectRead(status: status, headers: headers, body: ObjectBody(source: .segments(stream)))
    }

    // MARK: Static large objects

    static let sloEtagSysmeta = "X-Object-Sysmeta-Slo-Etag"
    static let sloSizeSysmeta = "X-Object-Sysmeta-Slo-Size"

    /// Manifests are at most `maxManifestSize` as sent; stored, each entry gains a few fields.
    var maxStoredManifestSize: Int { limits.maxManifestSize * 4 }

    /// An SLO: its segments in manifest order, the ETag and size saved when it was stored (or
    /// worked out from the manifest), ranges (several as `multipart/byteranges`) and conditions
    /// judged against the whole.
    func readStatic(
        _ method: HTTPRequest.Method, account: String, answer: BackendResponse, request: HTTPFields, name: String
    ) async throws -> ObjectRead {
        var headers = ObjectRead.relayed(answer).headers
        var segments: [SLOSegment]? = nil
        if method == .get || headers[HTTPField.Name(Self.sloEtagSysmeta)!] == nil || headers[HTTPField.Name(Self.sloSizeSysmeta)!] == nil {
            do {
                let body = try await answer.collectBody(upTo: maxStoredManifestSize)
                segments = try SLOManifest.parseStored(Array(buffer: body))
            } catch {
                return .failure(.internalServerError, detail: "Unable to load SLO manifest")
            }
        }
        var etag = headers[HTTPField.Name(Self.sloEtagSysmeta)!] ?? ""
        var size = headers[HTTPField.Name(Self.sloSizeSysmeta)!].flatMap { Int64($0) } ?? -1
        if etag.isEmpty || size < 0, let segments { (etag, size) = SLOManifest.etagAndSize(segments) }

        headers[HTTPField.Name("X-Manifest-Etag")!] = headers[.eTag] ?? ""
        headers[.eTag] = "\"\(etag)\""
        headers[.contentLength] = String(size)
        headers[.contentRange] = nil
        let lastModified = headers[.lastModified].flatMap(HTTPDate.parse) ?? 0
        if let status = ConditionalRequest(headers: request).status(etag: etag, lastModified: lastModified) {
            headers[.contentLength] = "0"
            return ObjectRead(status: status.code, headers: headers, body: .empty)
        }
        guard method == .get, let segments else { return ObjectRead(status: 200, headers: headers, body: .empty) }

        var status = 200
        var parts = [StaticSegmentSource.Part(header: nil, firstByte: 0, lastByte: size - 1)]
        var trailer: ByteBuffer? = nil
        var length = size
        if let header = request[.range], let requested = ByteRanges(header: header) {
            let ranges = requested.ranges(forLength: size)
            if ranges.isEmpty {
                return .failure(
                    .rangeNotSatisfiable, detail: "The Range requested is not available.",
                    headers: [.contentRange: "bytes */\(size)", .acceptRanges: "bytes"])
            }
            status = 206
            if ranges.count == 1 {
                let range = ranges[0]
                parts = [.init(header: nil, firstByte: range.lowerBound, lastByte: range.upperBound - 1)]
                headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(size)"
                length = Int64(range.count)
            } else {
                let boundary = IDGenerator.hex()
                let type = headers[.contentType] ?? "application/octet-stream"
                parts = ranges.enumerated().map { index, range in
                    let head = (index > 0 ? "\r\n" : "") + "--\(boundary)\r\nContent-Type: \(type)\r\n"
                        + "Content-Range: bytes \(range.lowerBound)-\(range.upperBound - 1)/\(size)\r\n\r\n"
                    return .init(header: ByteBuffer(string: head), firstByte: range.lowerBound, lastByte: range.upperBound - 1)
                }
                trailer = ByteBuffer(string: "\r\n--\(boundary)--")
                length = parts.reduce(Int64(trailer!.readableBytes)) {
                    $0 + Int64($1.header!.readableBytes) + $1.lastByte - $1.firstByte + 1
                }
                headers[.contentType] = "multipart/byteranges;boundary=\(boundary)"
            }
        }
        headers[.contentLength] = String(length)
        let source = StaticSegmentSource(proxy: self, account: account, name: name, segments: segments, parts: parts, trailer: trailer)
        return try await segmentedRead(status: status, headers: headers, account: account, name: name, source: source, length: length)
    }

    /// `?multipart-manifest=get`: the stored manifest (JSON), or with `format=raw` the
    /// manifest as the client sent it (`path`, `etag`, `size_bytes`, `range`).
    func staticManifestRead(
        _ method: HTTPRequest.Method, answer: BackendResponse, raw: Bool, account: String, container: String, object: String
    ) async throws -> ObjectRead {
        guard raw else {
            var read = ObjectRead.relayed(answer)
            if read.isSuccess { read.headers[.contentType] = "application/json; charset=utf-8" }
            return read
        }
        var source = answer
        if answer.status != 200 || method == .head {
            await discard(answer)
            source = try await readBackendObject(.GET, account: account, container: container, object: object, headers: [:])
            guard source.isSuccess, Self.isStaticManifest(source) else { return .relayed(source) }
        }
        var headers = ObjectRead.relayed(source).headers
        let segments: [SLOSegment]
        do {
            segments = try SLOManifest.parseStored(Array(buffer: try await source.collectBody(upTo: maxStoredManifestSize)))
        } catch {
            return .failure(.internalServerError, detail: "Unable to load SLO manifest")
        }
        let json = SLOManifest.encodeRaw(segments)
        headers[.contentLength] = String(json.count)
        headers[.eTag] = SwiftText.md5Hex(json)
        headers[.contentRange] = nil
        return ObjectRead(status: 200, headers: headers, body: method == .head ? .empty : ObjectBody(source: .buffer(ByteBuffer(bytes: json))))
    }
}
