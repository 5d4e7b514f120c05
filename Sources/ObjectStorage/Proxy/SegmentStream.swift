import AsyncHTTPClient
import Crypto
import HTTPTypes
import NIOCore
import NIOHTTP1
import StratusKit

/// One piece of a large object's body: bytes the proxy already has (SLO inline data, the
/// boundaries of a multi-range answer) or a byte range of a segment object.
enum SegmentPiece: Sendable {
    case data(ByteBuffer)
    case object(SegmentReference)
}

/// A segment to read: `firstByte` through `lastByte` (inclusive; nil = to the end) of
/// `/container/object`, expected to have `etag` and `size` when they are known (SLO).
struct SegmentReference: Sendable {
    var container: String
    var object: String
    var firstByte: Int64 = 0
    var lastByte: Int64?
    var etag: String?
    var size: Int64?

    /// Whether only part of the segment is read (a `Range` request), as Swift decides it.
    var isRanged: Bool {
        let toEnd = lastByte == nil || (size != nil && lastByte == size! - 1)
        return firstByte != 0 || !toEnd
    }
}

/// Where the pieces of a large object come from: a DLO's container listing, an SLO's manifest.
/// Pieces are produced on demand, so a listing page or a sub-manifest is read only when the
/// body gets there.
protocol SegmentSource: AnyObject {
    func nextPiece() async throws -> SegmentPiece?
}

/// Why a large object's body could not be produced. Before the first byte this becomes the
/// client's status (409, or 503 for `unavailable`); later the connection is cut, as in Swift.
enum SegmentError: Error, CustomStringConvertible {
    case invalid(String)
    case unavailable(String)

    var description: String {
        switch self {
        case .invalid(let message), .unavailable(let message): message
        }
    }
}

/// The body of a large object: the pieces of its source, each segment read from the object
/// servers in turn (one at a time, never held whole) and checked as Swift's
/// `SegmentedIterable` checks it: the segment must exist, match the manifest's ETag and size,
/// hash to its ETag when read whole, and the whole body must be exactly `length` bytes.
///
/// Read by one consumer at a time: the request handler primes it, then the response writer
/// drains it; the two never overlap.
final class SegmentStream: @unchecked Sendable {
    private struct OpenSegment {
        var iterator: HTTPClientResponse.Body.AsyncIterator?
        var path: String
        var etag: String
        var contentLength: Int64?
        var md5: Insecure.MD5?
        var received: Int64 = 0
    }

    private let proxy: ProxyServer
    private let account: String
    private let source: any SegmentSource
    private let name: String
    private var remaining: Int64?
    private var buffered: [ByteBuffer] = []
    private var current: OpenSegment?
    private var sourceDone = false
    private var failure: (any Error)?

    init(proxy: ProxyServer, account: String, name: String, source: any SegmentSource, length: Int64?) {
        self.proxy = proxy
        self.account = account
        self.name = name
        self.source = source
        self.remaining = length
    }

    /// Opens the first segment before the response starts, so that a missing or changed first
    /// segment is an error status rather than a cut connection (Swift's `validate_first_segment`).
    func prime() async throws {
        while current == nil, !sourceDone {
            guard let piece = try await source.nextPiece() else {
                sourceDone = true
                break
            }
            switch piece {
            case .data(let buffer): buffered.append(buffer)
            case .object(let reference): current = try await open(reference)
            }
        }
    }

    func next() async throws -> ByteBuffer? {
        if let failure { throw failure }
        while true {
            if !buffered.isEmpty {
                let chunk = buffered.removeFirst()
                if chunk.readableBytes == 0 { continue }
                return try emit(chunk)
            }
            if var segment = current {
                current = nil
                if let chunk = try await segment.iterator?.next() {
                    segment.received += Int64(chunk.readableBytes)
                    if segment.md5 != nil { chunk.withUnsafeReadableBytes { segment.md5!.update(bufferPointer: $0) } }
                    current = segment
                    if chunk.readableBytes == 0 { continue }
                    return try emit(chunk)
                }
                try check(segment)
                continue
            }
            if sourceDone {
                if let remaining, remaining > 0 {
                    throw SegmentError.invalid("Expected another \(remaining) bytes for \(name); closing connection")
                }
                return nil
            }
            guard let piece = try await source.nextPiece() else {
                sourceDone = true
                continue
            }
            switch piece {
            case .data(let buffer): buffered.append(buffer)
            case .object(let reference): current = try await open(reference)
            }
        }
    }

    /// Counts the bytes given to the client: never more than the announced length.
    private func emit(_ chunk: ByteBuffer) throws -> ByteBuffer {
        guard let left = remaining else { return chunk }
        if Int64(chunk.readableBytes) <= left {
            remaining = left - Int64(chunk.readableBytes)
            return chunk
        }
        remaining = 0
        failure = SegmentError.invalid("Too many bytes for \(name); truncating")
        return chunk.getSlice(at: chunk.readerIndex, length: Int(left)) ?? ByteBuffer()
    }

    private func open(_ reference: SegmentReference) async throws -> OpenSegment {
        var headers = HTTPHeaders()
        let ranged = reference.isRanged
        if ranged {
            let toEnd = reference.lastByte == nil || (reference.size != nil && reference.lastByte == reference.size! - 1)
            headers.add(name: "Range", value: "bytes=\(reference.firstByte)-\(toEnd ? "" : String(reference.lastByte!))")
        }
        let path = "/v1/\(account)/\(reference.container)/\(reference.object)"
        let answer = try await proxy.readBackendObject(
            .GET, account: account, container: reference.container, object: reference.object, headers: headers)
        guard answer.isSuccess else {
            let message = "While processing manifest \(name), got \(answer.status) while retrieving \(path)"
            if answer.status >= 500 { throw SegmentError.unavailable(message) }
            throw SegmentError.invalid(message)
        }
        let etag = SwiftText.normalizeETag(answer.headers.first(name: "ETag")) ?? ""
        let length = answer.headers.first(name: "Content-Length").flatMap { Int64($0) }
        if let expected = reference.etag, expected != etag {
            throw SegmentError.invalid("Object segment no longer valid: \(path) etag: \(etag) != \(expected)")
        }
        if let expected = reference.size, expected != length, !ranged {
            throw SegmentError.invalid("Object segment no longer valid: \(path) size: \(length.map(String.init) ?? "None") != \(expected)")
        }
        return OpenSegment(
            iterator: answer.body?.makeAsyncIterator(), path: path, etag: etag, contentLength: length,
            md5: !etag.isEmpty && !ranged ? Insecure.MD5() : nil)
    }

    /// A segment read whole must be as long as it said and hash to its ETag.
    private func check(_ segment: OpenSegment) throws {
        guard let md5 = segment.md5 else { return }
        if let length = segment.contentLength, length != segment.received {
            throw SegmentError.invalid(
                "Bad response length for \(segment.path) as part of \(name): headers had \(length), but response length was actually \(segment.received)")
        }
        let actual = Hex.lowercase(md5.finalize())
        if actual != segment.etag {
            throw SegmentError.invalid(
                "Bad MD5 checksum for \(segment.path) as part of \(name): headers had \(segment.etag), but object MD5 was actually \(actual)")
        }
    }
}
