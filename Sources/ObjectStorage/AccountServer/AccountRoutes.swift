import HTTPTypes
import Hummingbird
import NIOCore
import StratusKit

/// The account server's internal API, as Swift's:
///
/// | request | answer |
/// |---|---|
/// | `PUT /<device>/<partition>/<account>` + `X-Timestamp` | 201 created, 202 existed, 403 `Recently deleted`, 409 still deleted |
/// | `PUT /<device>/<partition>/<account>/<container>` + `X-Put-Timestamp`, `X-Delete-Timestamp`, `X-Object-Count`, `X-Bytes-Used` | 201, 204 when the container's DELETE is the newer, 404 no (or a deleted) account |
/// | `DELETE /<device>/<partition>/<account>` + `X-Timestamp` | 204, 404 absent or deleted |
/// | `POST /<device>/<partition>/<account>` + `X-Timestamp` | 204 metadata merged, 404 |
/// | `HEAD /<device>/<partition>/<account>` | 204 with the stats headers, 404 |
/// | `GET /<device>/<partition>/<account>` | 200 listing (204 for an empty plain-text one), 404, 406, 412 `limit` over 10,000 |
/// | `POST /<device>/<partition>/<hash>` + `X-Backend-Replicate: REPLICATE` | database replication (see `DatabaseReplicationMessage`) |
///
/// A 404 for a deleted account carries `X-Account-Status: Deleted`. A missing `X-Timestamp`
/// where one is required is 400, a device with no directory 507, a malformed path 400, a path
/// that is not UTF-8 412, another method 405. Creating accounts on first use is the proxy's
/// business: a listing of an account with no database is 404.
extension AccountServer {
    func respond(to request: Request, context: StratusRequestContext) async throws -> Response {
        if DatabaseReplicationHandler.wants(request) {
            return try await DatabaseReplicationHandler(kind: .account, location: location, cache: cache).respond(to: request)
        }
        let storage = try StorageRequest(
            request, minimum: 3, maximum: request.method == .put ? 4 : 3, restWithLast: false,
            invalidUTF8Message: "Invalid UTF8")
        let account = storage.segments[2]!
        let container = storage.segments.count > 3 ? storage.segments[3] : nil
        try ReservedNames.validate(account: account, container: container)
        let broker = try broker(device: storage.device, partition: storage.partition, account: account)
        return try await answeringBrokerErrors {
            switch request.method {
            case .put:
                try storage.requireDevice(location)
                if let container, !container.isEmpty { return try await putContainer(storage, container: container) }
                return try await putAccount(storage, broker: broker)
            case .delete: return try await deleteAccount(storage, broker: broker)
            case .post: return try await postAccount(storage, broker: broker)
            case .head: return try await headAccount(storage, broker: broker)
            default: return try await getAccount(storage, broker: broker)
            }
        }
    }

    private func putAccount(_ storage: StorageRequest, broker: AccountBroker) async throws -> Response {
        let timestamp = try storage.timestamp()
        let device = storage.device
        let created = try await broker.access { database -> Bool in
            if !database.exists {
                if try await database.initialize(putTimestamp: timestamp, device: device) { return true }
                return false
            }
            guard let info = try await database.info() else { throw APIError(.notFound, "") }
            if info.isStatusDeleted { throw Self.deleted(.forbidden, "Recently deleted", info) }
            try await database.updatePutTimestamp(timestamp)
            if try await database.isDeleted() { throw APIError(.conflict, "") }
            return info.isDeleted
        }
        try await broker.updateMetadata(storage.metadataUpdates(kind: "account", timestamp: timestamp))
        return .storage(created ? .created : .accepted, request: storage.request)
    }

    private func putContainer(_ storage: StorageRequest, container: String) async throws -> Response {
        var timestamp = SwiftTimestamp.now()
        if storage.header("x-timestamp") != nil { timestamp = try storage.timestamp() }
        func required(_ name: String) throws -> String {
            guard let value = storage.header(name) else { throw APIError(.badRequest, "Missing \(name) header") }
            return value
        }
        guard let put = SwiftTimestamp(try required("X-Put-Timestamp")),
            let delete = SwiftTimestamp(try required("X-Delete-Timestamp")),
            let objects = Int64(try required("X-Object-Count")), let bytes = Int64(try required("X-Bytes-Used"))
        else { throw APIError(.badRequest, "Invalid container stats headers") }
        let policy = Int(storage.header("x-backend-storage-policy-index") ?? "0") ?? 0
        let report = ContainerReport(
            device: storage.device, partition: storage.partition, account: storage.segments[2]!, container: container,
            record: ContainerRecord(
                name: container, putTimestamp: put, deleteTimestamp: delete, objectCount: objects, bytesUsed: bytes,
                storagePolicyIndex: policy),
            timestamp: timestamp,
            overrideDeleted: (storage.header("x-account-override-deleted") ?? "no").lowercased() == "yes")
        return .storage(try await apply(report), request: storage.request)
    }

    private func deleteAccount(_ storage: StorageRequest, broker: AccountBroker) async throws -> Response {
        try storage.requireDevice(location)
        let timestamp = try storage.timestamp()
        let info = try await broker.access { database -> AccountInfo in
            guard let info = try await database.info() else { throw APIError(.notFound, "") }
            if info.isDeleted { throw Self.deleted(.notFound, "", info) }
            try await database.markDeleted(at: timestamp)
            return try await database.info() ?? info
        }
        return .storage(.noContent, headers: Self.statusHeaders(info), request: storage.request)
    }

    private func postAccount(_ storage: StorageRequest, broker: AccountBroker) async throws -> Response {
        let timestamp = try storage.timestamp()
        try storage.requireDevice(location)
        let updates = storage.metadataUpdates(kind: "account", timestamp: timestamp)
        try await broker.access { database in
            guard let info = try await database.info() else { throw APIError(.notFound, "") }
            if info.isDeleted { throw Self.deleted(.notFound, "", info) }
            try await database.updateMetadata(updates)
        }
        return .storage(.noContent, request: storage.request)
    }

    private func headAccount(_ storage: StorageRequest, broker: AccountBroker) async throws -> Response {
        let format = try storage.listingFormat()
        try storage.requireDevice(location)
        guard let info = try await broker.info() else { throw APIError(.notFound, "") }
        if info.isDeleted { throw Self.deleted(.notFound, "", info) }
        var headers = Self.statsHeaders(info)
        headers[.contentType] = format.contentType
        headers[.contentLength] = "0"
        return Response(status: .noContent, headers: headers)
    }

    private func getAccount(_ storage: StorageRequest, broker: AccountBroker) async throws -> Response {
        let query = try storage.listingQuery(allowPath: false)
        let format = try storage.listingFormat()
        try storage.requireDevice(location)
        let (info, entries) = try await broker.access { database -> (AccountInfo?, [ListingEntry<ContainerRecord>]) in
            guard let info = try await database.info() else { return (nil, []) }
            guard !info.isDeleted else { return (info, []) }
            return (info, try await database.listContainers(query))
        }
        guard let info else { throw APIError(.notFound, "") }
        if info.isDeleted { throw Self.deleted(.notFound, "", info) }
        var headers = Self.statsHeaders(info)
        headers[.contentType] = format.contentType
        let body = AccountListing.body(entries, account: broker.account, format: format)
        if body.isEmpty { return Response(status: .noContent, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Swift's account stats headers: totals, timestamps, per-policy totals and metadata.
    static func statsHeaders(_ info: AccountInfo) -> HTTPFields {
        var headers = HTTPFields()
        headers.set("X-Account-Container-Count", String(info.containerCount))
        headers.set("X-Account-Object-Count", String(info.objectCount))
        headers.set("X-Account-Bytes-Used", String(info.bytesUsed))
        headers.set("X-Timestamp", info.createdAt.normal)
        headers.set("X-PUT-Timestamp", info.putTimestamp.normal)
        for (index, stats) in info.policyStats.sorted(by: { $0.key < $1.key }) {
            guard let name = AccountListing.policyName(index) else { continue }
            headers.set("X-Account-Storage-Policy-\(name)-Container-Count", String(stats.containerCount))
            headers.set("X-Account-Storage-Policy-\(name)-Object-Count", String(stats.objectCount))
            headers.set("X-Account-Storage-Policy-\(name)-Bytes-Used", String(stats.bytesUsed))
        }
        headers.addMetadata(info.metadata)
        return headers
    }

    /// `X-Account-Status: Deleted` for an account deleted by a DELETE.
    static func statusHeaders(_ info: AccountInfo) -> HTTPFields {
        var headers = HTTPFields()
        if info.isStatusDeleted { headers.set("X-Account-Status", "Deleted") }
        return headers
    }

    static func deleted(_ status: HTTPResponse.Status, _ message: String, _ info: AccountInfo) -> APIError {
        APIError(status, message, headers: statusHeaders(info))
    }
}
