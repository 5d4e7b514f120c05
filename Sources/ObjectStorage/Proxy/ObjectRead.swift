import AsyncHTTPClient
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

/// The bytes of an object answer, read once: nothing, one buffer, a storage server's body, or
/// the segments of a large object fetched one after another.
struct ObjectBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    enum Source: Sendable {
        case empty
        case buffer(ByteBuffer)
        case backend(HTTPClientResponse.Body)
        case segments(SegmentStream)
    }

    let source: Source

    static let empty = ObjectBody(source: .empty)

    struct AsyncIterator: AsyncIteratorProtocol {
        enum State {
            case done
            case buffer(ByteBuffer)
            case backend(HTTPClientResponse.Body.AsyncIterator)
            case segments(SegmentStream)
        }

        var state: State

        mutating func next() async throws -> ByteBuffer? {
            switch state {
            case .done:
                return nil
            case .buffer(let buffer):
                state = .done
                return buffer.readableBytes > 0 ? buffer : nil
            case .backend(var iterator):
                let chunk = try await iterator.next()
                state = chunk == nil ? .done : .backend(iterator)
                return chunk
            case .segments(let stream):
                return try await stream.next()
            }
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        switch source {
        case .empty: AsyncIterator(state: .done)
        case .buffer(let buffer): AsyncIterator(state: .buffer(buffer))
        case .backend(let body): AsyncIterator(state: .backend(body.makeAsyncIterator()))
        case .segments(let stream): AsyncIterator(state: .segments(stream))
        }
    }
}

/// An object answer inside the proxy, before it becomes the client's response: large-object
/// reads, the source of a copy and segment checks all read objects through this. Its headers
/// still hold the object's system metadata (a copy carries it over); the client never sees it.
struct ObjectRead: Sendable {
    var status: Int
    var headers: HTTPFields
    var body: ObjectBody
    /// A ready answer (an error page) that is given to the client as it is.
    var prepared: Response?

    var isSuccess: Bool { (200..<300).contains(status) }

    init(status: Int, headers: HTTPFields, body: ObjectBody) {
        self.status = status
        self.headers = headers
        self.body = body
        self.prepared = nil
    }

    /// An error answer in Swift's format (`<html><h1>Not Found</h1>…`).
    static func failure(_ status: HTTPResponse.Status, detail: String? = nil, headers: HTTPFields = [:]) -> ObjectRead {
        var read = ObjectRead(status: status.code, headers: headers, body: .empty)
        read.prepared = ProxyErrors.response(status, detail: detail, headers: headers)
        return read
    }

    /// A storage server's answer as it stands.
    static func relayed(_ answer: BackendResponse) -> ObjectRead {
        var headers = ProxyHeaders.toClient(answer.headers, keepSysMeta: true)
        if let type = headers[.contentType] { headers[.contentType] = Self.cleanContentType(type) }
        return ObjectRead(status: answer.status, headers: headers, body: answer.body.map { .init(source: .backend($0)) } ?? .empty)
    }

    /// Swift's `clean_content_type`: a trailing `;swift_bytes=N` (SLO manifests) is not shown.
    static func cleanContentType(_ value: String) -> String {
        guard let semicolon = value.lastIndex(of: ";") else { return value }
        let parameter = value[value.index(after: semicolon)...].drop { $0 == " " || $0 == "\t" }
        return parameter.hasPrefix("swift_bytes=") ? String(value[..<semicolon]) : value
    }

    var contentLength: Int64? { headers[.contentLength].flatMap { Int64($0) } }

    /// The client's response: system metadata removed; no body for HEAD.
    func response(method: HTTPRequest.Method) -> Response {
        if let prepared { return prepared }
        var fields = HTTPFields()
        for field in headers where !ProxyHeaders.isSysMeta(field.name.canonicalName) { fields.append(field) }
        let status = HTTPResponse.Status(code: status, reasonPhrase: SwiftText.reason(status))
        if method == .head { return Response(status: status, headers: fields, body: .init()) }
        if case .empty = body.source {
            if fields[.contentLength] == nil { fields[.contentLength] = "0" }
            return Response(status: status, headers: fields, body: .init())
        }
        if fields[.contentLength] == nil { fields[.transferEncoding] = nil }
        return Response(status: status, headers: fields, body: ResponseBody(asyncSequence: body))
    }
}

extension ProxyHeaders {
    /// Swift's gatekeeper keeps system metadata (`X-<type>-Sysmeta-*`, transient too) inside.
    static func isSysMeta(_ lowercasedName: String) -> Bool {
        guard lowercasedName.hasPrefix("x-") else { return false }
        for type in ["object", "container", "account"] {
            if lowercasedName.hasPrefix("x-\(type)-sysmeta-") || lowercasedName.hasPrefix("x-\(type)-transient-sysmeta-") {
                return true
            }
        }
        return false
    }
}
