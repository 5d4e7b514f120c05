import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOPosix
import StratusKit

/// Swift's object server: stores objects on this host's devices and serves them over its
/// internal HTTP API to the proxy, the replicator and the other background daemons.
///
/// ```
/// PUT|GET|HEAD|POST|DELETE /<device>/<partition>/<account>/<container>/<object>
/// REPLICATE                /<device>/<partition>[/<suffix>-<suffix>…]
/// ```
///
/// Blocking file-system work (opening, committing, hashing) runs on NIO's blocking thread pool;
/// body bytes are written and read chunk by chunk in the request's task.
public struct ObjectServer: Sendable {
    public var layout: ObjectDiskLayout
    /// Where container updates go; nil keeps every update in `async_pending`.
    public var containerUpdateSender: (any ContainerUpdateSender)?
    /// Tombstones (and `.meta` files without data) older than this many seconds are removed.
    public var reclaimAge: Double
    /// How long a write waits for its container updates before answering (they go on after).
    public var containerUpdateTimeout: Duration
    /// Unix seconds now.
    public var clock: @Sendable () -> Double
    public var logger: Logger

    public init(
        layout: ObjectDiskLayout, containerUpdateSender: (any ContainerUpdateSender)? = nil,
        reclaimAge: Double = 7 * 24 * 3600, containerUpdateTimeout: Duration = .seconds(1),
        clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 },
        logger: Logger = Logger(label: "object-server")
    ) {
        self.layout = layout
        self.containerUpdateSender = containerUpdateSender
        self.reclaimAge = reclaimAge
        self.containerUpdateTimeout = containerUpdateTimeout
        self.clock = clock
        self.logger = logger
    }

    public static let replicateMethod = HTTPRequest.Method("REPLICATE")!

    /// A router serving the object server API (with access logging and Swift-shaped errors).
    public func makeRouter() -> Router<StratusRequestContext> {
        let router = Router(context: StratusRequestContext.self)
        router.add(middleware: AccessLogMiddleware())
        router.add(middleware: ErrorMiddleware(renderer: ObjectServerErrorRenderer()))
        register(on: router)
        return router
    }

    public func register(on router: Router<StratusRequestContext>) {
        let routes: [(HTTPRequest.Method, @Sendable (Request, StratusRequestContext) async throws -> Response)] = [
            (.put, put), (.get, get), (.head, get), (.delete, delete), (.post, post),
            (ObjectServer.replicateMethod, replicate),
        ]
        for (method, handler) in routes {
            router.on("**", method: method) { request, context in
                do {
                    return try await handler(request, context)
                } catch let failure as DiskFailure {
                    return failure.response
                }
            }
        }
    }

    /// Runs blocking file-system work off the cooperative thread pool.
    func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(work)
    }

    /// The request's `X-Timestamp`, required on writes: a 400 when missing or malformed.
    static func requiredTimestamp(_ request: Request) throws -> SwiftTimestamp {
        guard let text = request.headers[.xTimestamp] else { throw APIError(.badRequest, "Missing X-Timestamp header") }
        guard let timestamp = SwiftTimestamp(text) else {
            throw APIError(.badRequest, "X-Timestamp should be a UNIX timestamp float value; was '\(text)'")
        }
        return timestamp
    }

    /// The time a read judges expiry by: its `X-Timestamp` when it sends one, else now.
    func currentTime(_ request: Request) throws -> Double {
        guard request.headers[.xTimestamp] != nil else { return clock() }
        return try ObjectServer.requiredTimestamp(request).seconds
    }

    /// Splits an object path, or answers 412/400 as Swift does.
    static func objectPath(_ request: Request) throws -> ObjectRequestPath {
        do throws(ObjectRequestPath.Problem) {
            return try ObjectRequestPath(rawPath: request.uri.path)
        } catch .invalidUTF8 {
            throw APIError(.preconditionFailed, "Invalid UTF8 or contains NULL")
        } catch .invalid(let message) {
            throw APIError(.badRequest, message)
        }
    }

    /// The object on its device, or a 507 when the device is not there.
    func diskFile(_ path: ObjectRequestPath) throws -> DiskFile {
        try DiskFile(
            layout: layout, device: path.device, partition: path.partition, account: path.account,
            container: path.container, object: path.object)
    }

    /// The response for a disk error that ends a request.
    static func failure(_ error: DiskFileError, device: String, method: HTTPRequest.Method) -> Response {
        switch error {
        case .deviceUnavailable, .xattrNotSupported, .noSpace:
            return ObjectServerResponse.insufficientStorage(device, method: method)
        case .collision:
            return ObjectServerResponse.make(.forbidden, method: method)
        case .stateChanged:
            return ObjectServerResponse.make(.serviceUnavailable, method: method)
        case .notFound, .quarantined, .deleted, .expired:
            var headers = HTTPFields()
            if let timestamp = error.backendTimestamp { headers[.xBackendTimestamp] = timestamp.internal }
            return ObjectServerResponse.make(.notFound, headers: headers, method: method)
        case .system:
            return ObjectServerResponse.make(.internalServerError, method: method)
        }
    }
}
