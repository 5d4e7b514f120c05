import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

/// Nova's metadata API, served apart from the Compute API (port 8775, not in the catalog)
/// and without tokens: `/` lists the EC2 versions; every other path answers for the server
/// the request speaks for (`MetadataRequester`), in text/plain listings and values or
/// JSON documents. Nothing a request carries (headers, user data, password) is logged.
struct MetadataAPI: Sendable {
    let manager: ComputeManager
    let settings: MetadataSettings
    var content: MetadataContentSettings

    /// Nova's limit on a posted password: four chunks of 255 characters.
    static let maxPasswordSize = 4 * 255

    func register(on router: Router<StratusRequestContext>) {
        for method in [HTTPRequest.Method.get, .post, .put, .delete] {
            router.on("/", method: method) { request, context in try await handle(request, context) }
            router.on("**", method: method) { request, context in try await handle(request, context) }
        }
    }

    private func handle(_ request: Request, _ context: StratusRequestContext) async throws -> Response {
        let path = request.uri.path
        if path.split(separator: "/").allSatisfy({ $0 == "." }) {
            return Self.text(Array((InstanceMetadata.ec2Versions + ["latest"]).joined(separator: "\n").utf8))
        }
        let requester = try MetadataRequester.identify(request.headers, secret: settings.proxySharedSecret)
        let instance = try await manager.metadataInstance(for: requester)
        let metadata = try await manager.metadata(of: instance, content: content)
        guard let answer = metadata.lookup(path) else {
            throw APIError(.notFound, "The resource could not be found.")
        }
        switch answer {
        case .text(let bytes):
            return Self.text(bytes)
        case .json(let document):
            return Self.respond(document.serialized(), contentType: "application/json")
        case .password:
            switch request.method {
            case .get:
                return Self.text(Array((try await manager.instancePassword(instance.uuid) ?? "").utf8))
            case .post:
                let body = try await request.body.collect(upTo: Self.maxPasswordSize + 1)
                guard body.readableBytes <= Self.maxPasswordSize else {
                    throw APIError(.badRequest, "Request is too large.")
                }
                try await manager.storeInstancePassword(instance.uuid, password: String(decoding: body.readableBytesView, as: UTF8.self))
                return Self.text([])
            default:
                throw APIError(.badRequest, "GET and POST only are supported.")
            }
        }
    }

    private static func text(_ bytes: [UInt8]) -> Response {
        respond(bytes, contentType: "text/plain; charset=UTF-8")
    }

    private static func respond(_ bytes: [UInt8], contentType: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Errors as webob renders them for Nova's metadata API: a text/plain status line and
/// the explanation.
struct MetadataErrorRenderer: APIErrorRendering {
    func render(_ error: APIError, request: Request) -> Response {
        let status = error.status
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=UTF-8"
        let text = "\(status.code) \(status.reasonPhrase)\n\n\(error.message)\n\n"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
