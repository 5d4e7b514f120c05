import NIOCore
import StratusKit

/// One object of a container listing, as a DLO sees its segments.
struct SegmentListingRow: Sendable {
    var name: String
    var bytes: Int64
    var hash: String
}

/// A DLO's segments: every object of `container` whose name starts with `prefix`, in listing
/// order, read page by page (a page shorter than the listing limit is the last); the bytes
/// `firstByte` through `lastByte` of their concatenation (Swift's `_segment_listing_iterator`).
final class DynamicSegmentSource: SegmentSource {
    private let proxy: ProxyServer
    private let account: String
    private let container: String
    private let prefix: String
    private var page: [SegmentListingRow]
    private var index = 0
    private var pageWasFull: Bool
    private var firstByte: Int64
    /// Inclusive; nil = to the end.
    private var lastByte: Int64?

    init(
        proxy: ProxyServer, account: String, container: String, prefix: String, firstPage: [SegmentListingRow],
        firstByte: Int64, lastByte: Int64?
    ) {
        self.proxy = proxy
        self.account = account
        self.container = container
        self.prefix = prefix
        self.page = firstPage
        self.pageWasFull = firstPage.count >= proxy.constraints.containerListingLimit
        self.firstByte = firstByte
        self.lastByte = lastByte
    }

    func nextPiece() async throws -> SegmentPiece? {
        while true {
            if index < page.count {
                let row = page[index]
                index += 1
                let length = row.bytes
                if firstByte >= length {
                    firstByte = max(firstByte - length, -1)
                    lastByte = lastByte.map { max($0 - length, -1) }
                    continue
                }
                if let lastByte, lastByte < 0 { return nil }
                let first = max(firstByte, 0)
                let last = lastByte.flatMap { $0 >= length - 1 ? nil : $0 }
                firstByte = max(firstByte - length, -1)
                lastByte = lastByte.map { max($0 - length, -1) }
                return .object(SegmentReference(container: container, object: row.name, firstByte: first, lastByte: last))
            }
            if !pageWasFull { return nil }
            if let lastByte, lastByte < 0 { return nil }
            guard let marker = page.last?.name else { return nil }
            switch try await proxy.listSegments(account: account, container: container, prefix: prefix, marker: marker) {
            case .rows(let rows):
                page = rows
                index = 0
                pageWasFull = rows.count >= proxy.constraints.containerListingLimit
                if rows.isEmpty { return nil }
            case .failure(let status):
                throw SegmentError.invalid("Got status \(status) listing container /\(account)/\(container)")
            }
        }
    }
}

/// An SLO's segments for the byte ranges asked for, in order: inline data, object segments
/// (sliced to the range), and the segments of sub-manifests, fetched when reached, at most ten
/// manifests deep (Swift's `_byterange_listing_iterator`). With several ranges each part is
/// preceded by its multipart header and the body ends with the closing boundary.
final class StaticSegmentSource: SegmentSource {
    struct Part {
        var header: ByteBuffer?
        var firstByte: Int64
        var lastByte: Int64
    }

    private struct Frame {
        var segments: [SLOSegment]
        var index = 0
        var firstByte: Int64
        var lastByte: Int64
        var depth: Int
    }

    private let proxy: ProxyServer
    private let account: String
    private let name: String
    private let segments: [SLOSegment]
    private var parts: [Part]
    private var trailer: ByteBuffer?
    private var frames: [Frame] = []
    private var subManifests: [String: [SLOSegment]] = [:]

    init(proxy: ProxyServer, account: String, name: String, segments: [SLOSegment], parts: [Part], trailer: ByteBuffer?) {
        self.proxy = proxy
        self.account = account
        self.name = name
        self.segments = segments
        self.parts = parts
        self.trailer = trailer
    }

    func nextPiece() async throws -> SegmentPiece? {
        while true {
            guard var frame = frames.popLast() else {
                if !parts.isEmpty {
                    let part = parts.removeFirst()
                    frames = [Frame(segments: segments, firstByte: part.firstByte, lastByte: part.lastByte, depth: 1)]
                    if let header = part.header { return .data(header) }
                    continue
                }
                if let trailer {
                    self.trailer = nil
                    return .data(trailer)
                }
                return nil
            }
            guard frame.index < frame.segments.count, frame.lastByte >= 0 else { continue }
            let segment = frame.segments[frame.index]
            frame.index += 1
            let length = segment.segmentLength
            let (first, last) = (frame.firstByte, frame.lastByte)
            frame.firstByte -= length
            frame.lastByte -= length
            frames.append(frame)
            if first >= length { continue }

            if let data = segment.data {
                let lower = Int(max(0, first))
                let upper = Int(min(length - 1, last))
                return .data(ByteBuffer(bytes: data[lower...upper]))
            }
            let range = segment.range ?? 0...(length - 1)
            if segment.subSLO {
                if frame.depth >= SLOManifest.maxRecursionDepth {
                    throw SegmentError.invalid("While processing manifest \(name), max recursion depth was exceeded")
                }
                let children = try await subManifest(segment.name)
                frames.append(
                    Frame(
                        segments: children, firstByte: range.lowerBound + max(0, first),
                        lastByte: min(range.upperBound, range.lowerBound + last), depth: frame.depth + 1))
                continue
            }
            guard let names = ProxyServer.splitContainerObject(segment.name) else {
                throw SegmentError.invalid("While processing manifest \(name), bad segment name \(segment.name)")
            }
            return .object(
                SegmentReference(
                    container: names.container, object: names.object, firstByte: max(0, first) + range.lowerBound,
                    lastByte: min(range.upperBound, range.lowerBound + last), etag: segment.hash, size: segment.bytes))
        }
    }

    /// The segments of a nested manifest (a few are remembered, as a manifest may use one
    /// sub-manifest more than once).
    private func subManifest(_ path: String) async throws -> [SLOSegment] {
        if let known = subManifests[path] { return known }
        guard let names = ProxyServer.splitContainerObject(path) else {
            throw SegmentError.invalid("while fetching \(name), bad submanifest path \(path)")
        }
        let answer = try await proxy.readBackendObject(.GET, account: account, container: names.container, object: names.object, headers: [:])
        guard answer.isSuccess, SwiftText.isTrue(answer.headers.first(name: "X-Static-Large-Object")) else {
            throw SegmentError.invalid("while fetching \(name), GET of submanifest \(path) failed with status \(answer.status)")
        }
        let body = try await answer.collectBody(upTo: proxy.limits.maxManifestSize * 2)
        let children: [SLOSegment]
        do {
            children = try SLOManifest.parseStored(Array(buffer: body))
        } catch {
            throw SegmentError.invalid("while fetching \(name), JSON-decoding of submanifest \(path) failed")
        }
        if subManifests.count >= 20 { subManifests.removeAll() }
        subManifests[path] = children
        return children
    }
}
