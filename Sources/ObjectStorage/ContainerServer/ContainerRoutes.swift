import HTTPTypes
import Hummingbird
import NIOCore
import StratusKit

/// The container server's internal API, as Swift's:
///
/// | request | answer |
/// |---|---|
/// | `PUT /<device>/<partition>/<account>/<container>` + `X-Timestamp` | 201 created, 202 existed (its put timestamp raised), 409 still deleted (the DELETE is newer) |
/// | `PUT /<device>/<partition>/<account>/<container>/<object>` + `X-Timestamp`, `X-Size`, `X-Content-Type`, `X-Etag` | 201 (the row is merged: newest timestamp wins), 404 no container |
/// | `DELETE /<device>/<partition>/<account>/<container>/<object>` + `X-Timestamp` | 204 (a tombstone row is merged), 404 no container |
/// | `DELETE /<device>/<partition>/<account>/<container>` + `X-Timestamp` | 204, 404 absent or already deleted, 409 not empty |
/// | `POST /<device>/<partition>/<account>/<container>` + `X-Timestamp` | 204 metadata merged, 404 deleted |
/// | `HEAD` ... container | 204 with the stats headers, 404 |
/// | `GET` ... container | 200 listing (204 for an empty plain-text one), 404, 406, 412 `limit` over 10,000 |
/// | `POST /<device>/<partition>/<hash>` + `X-Backend-Replicate: REPLICATE` | database replication (see `DatabaseReplicationMessage`) |
///
/// A missing `X-Timestamp` where one is required is 400, a device with no directory 507, a
/// malformed path 400, a path that is not UTF-8 412, another method 405. Container PUT and DELETE
/// tell the account servers named by `X-Account-Host`, `X-Account-Device` and
/// `X-Account-Partition` (see `updateAccounts`).
extension ContainerServer {
    func respond(to request: Request, context: StratusRequestContext) async throws -> Response {
        if DatabaseReplicationHandler.wants(request) {
            return try await DatabaseReplicationHandler(kind: .container, location: location, cache: cache).respond(to: request)
        }
        let strict = request.method == .post
        let storage = try StorageRequest(
            request, minimum: 4, maximum: strict ? 4 : 5, restWithLast: !strict,
            invalidUTF8Message: "Invalid UTF8 or contains NULL")
        let account = storage.segments[2]!, container = storage.segments[3]!
        let object = storage.segments.count > 4 ? storage.segments[4].flatMap { $0.isEmpty ? nil : $0 } : nil
        try ReservedNames.validate(account: account, container: container, object: object)
        let broker = try broker(device: storage.device, partition: storage.partition, account: account, container: container)
        return try await answeringBrokerErrors {
            switch request.method {
            case .put:
                if let object { return try await putObject(storage, broker: broker, name: object) }
                return try await putContainer(storage, broker: broker)
            case .delete:
                if let object { return try await deleteObject(storage, broker: broker, name: object) }
                return try await deleteContainer(storage, broker: broker)
            case .post: return try await postContainer(storage, broker: broker)
            case .head: return try await headContainer(storage, broker: broker)
            default: return try await getContainer(storage, broker: broker)
            }
        }
    }

    // MARK: Containers

    private func putContainer(_ storage: StorageRequest, broker: ContainerBroker) async throws -> Response {
        let timestamp = try storage.timestamp()
        try storage.requireDevice(location)
        let device = storage.device
        let created = try await broker.access { database -> Bool in
            if !database.exists, try await database.initialize(putTimestamp: timestamp, device: device) {
                return true
            }
            let recreated = try await database.isDeleted()
            try await database.updatePutTimestamp(timestamp)
            if try await database.isDeleted() { throw APIError(.conflict, "") }
            if recreated { try await database.updateStatusChangedAt(timestamp) }
            return recreated
        }
        try await broker.updateMetadata(storage.metadataUpdates(kind: "container", timestamp: timestamp))
        if let failure = try await updateAccounts(storage, broker: broker) { throw failure }
        var headers = HTTPFields()
        headers.set("X-Backend-Storage-Policy-Index", "0")
        return .storage(created ? .created : .accepted, headers: headers, request: storage.request)
    }

    private func deleteContainer(_ storage: StorageRequest, broker: ContainerBroker) async throws -> Response {
        let timestamp = try storage.timestamp()
        try storage.requireDevice(location)
        let existed = try await broker.access { database -> Bool in
            guard let info = try await database.info() else { throw APIError(.notFound, "") }
            guard info.objectCount <= 0 else { throw APIError(.conflict, "") }
            let existed = info.putTimestamp != .zero && !info.isDeleted
            try await database.markDeleted(at: timestamp)
            if try await !database.isDeleted() { throw APIError(.conflict, "") }
            return existed
        }
        if let failure = try await updateAccounts(storage, broker: broker) { throw failure }
        if !existed { throw APIError(.notFound, "") }
        return .storage(.noContent, request: storage.request)
    }

    private func postContainer(_ storage: StorageRequest, broker: ContainerBroker) async throws -> Response {
        let timestamp = try storage.timestamp()
        try storage.requireDevice(location)
        let updates = storage.metadataUpdates(kind: "container", timestamp: timestamp)
        let touchPut = !StorageRequest.isTrue(storage.header("x-backend-no-timestamp-update"))
        try await broker.access { database in
            if try await database.isDeleted() { throw APIError(.notFound, "") }
            if touchPut { try await database.updatePutTimestamp(timestamp) }
            try await database.updateMetadata(updates)
        }
        return .storage(.noContent, request: storage.request)
    }

    private func headContainer(_ storage: StorageRequest, broker: ContainerBroker) async throws -> Response {
        let format = try storage.listingFormat()
        try storage.requireDevice(location)
        let info = try await broker.info()
        var headers = Self.statsHeaders(info)
        guard let info, !info.isDeleted else { throw APIError(.notFound, "", headers: headers) }
        headers.addMetadata(info.metadata)
        headers[.contentType] = format.contentType
        headers[.contentLength] = "0"
        headers[.lastModified] = info.putTimestamp.httpDate
        return Response(status: .noContent, headers: headers)
    }

    private func getContainer(_ storage: StorageRequest, broker: ContainerBroker) async throws -> Response {
        let query = try storage.listingQuery(allowPath: true)
        let format = try storage.listingFormat()
        try storage.requireDevice(location)
        let (info, entries) = try await broker.access { database -> (ContainerInfo?, [ListingEntry<ObjectRecord>]) in
            guard let info = try await database.info() else { return (nil, []) }
            guard !info.isDeleted else { return (info, []) }
            return (info, try await database.listObjects(query))
        }
        var headers = Self.statsHeaders(info)
        guard let info, !info.isDeleted else { throw APIError(.notFound, "", headers: headers) }
        headers.set("X-Backend-Record-Type", "object")
        headers.set("X-Backend-Record-Storage-Policy-Index", String(info.storagePolicyIndex))
        headers.addMetadata(info.metadata)
        headers[.contentType] = format.contentType
        headers[.lastModified] = info.putTimestamp.httpDate
        let body = ContainerListing.body(entries, container: broker.container, format: format)
        if body.isEmpty { return Response(status: .noContent, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Swift's container stats headers: the backend timestamps always, the counts and client
    /// timestamps only for a container that is not deleted.
    static func statsHeaders(_ info: ContainerInfo?) -> HTTPFields {
        var headers = HTTPFields()
        headers.set("X-Backend-Timestamp", (info?.createdAt ?? .zero).internal)
        headers.set("X-Backend-PUT-Timestamp", (info?.putTimestamp ?? .zero).internal)
        headers.set("X-Backend-DELETE-Timestamp", (info?.deleteTimestamp ?? .zero).internal)
        headers.set("X-Backend-Status-Changed-At", (info?.statusChangedAt ?? .zero).internal)
        headers.set("X-Backend-Storage-Policy-Index", String(info?.storagePolicyIndex ?? 0))
        if let info, !info.isDeleted {
            headers.set("X-Container-Object-Count", String(info.objectCount))
            headers.set("X-Container-Bytes-Used", String(info.bytesUsed))
            headers.set("X-Timestamp", info.createdAt.normal)
            headers.set("X-PUT-Timestamp", info.putTimestamp.normal)
            headers.set("X-Backend-Sharding-State", "unsharded")
        }
        return headers
    }

    // MARK: Object rows

    private func putObject(_ storage: StorageRequest, broker: ContainerBroker, name: String) async throws -> Response {
        try await applyObjectRow(.put, name: name, broker: broker, device: storage.device, header: storage.header)
        return .storage(.created, request: storage.request)
    }

    private func deleteObject(_ storage: StorageRequest, broker: ContainerBroker, name: String) async throws -> Response {
        try await applyObjectRow(.delete, name: name, broker: broker, device: storage.device, header: storage.header)
        return .storage(.noContent, request: storage.request)
    }

    /// An object server's `PUT` (a row from `X-Timestamp`, `X-Size`, `X-Content-Type`, `X-Etag`)
    /// or `DELETE` (a tombstone at `X-Timestamp`) of one object row, read through `header`
    /// (lowercase names): the HTTP route's and `LocalContainerUpdateSender`'s common path.
    func applyObjectRow(
        _ method: HTTPRequest.Method, name: String, broker: ContainerBroker, device: String, header: (String) -> String?
    ) async throws {
        guard let text = header("x-timestamp") else { throw APIError(.badRequest, "Missing X-Timestamp header") }
        guard let timestamp = SwiftTimestamp(text) else { throw APIError(.badRequest, "Invalid X-Timestamp header") }
        guard location.deviceDirectory(device) != nil else { throw StorageErrorRenderer.insufficientStorage(drive: device) }
        let record: ObjectRecord
        if method == .delete {
            record = .tombstone(name: name, at: timestamp)
        } else {
            guard let sizeText = header("x-size"), let size = Int64(sizeText), size >= 0 else {
                throw APIError(.badRequest, "Missing or invalid X-Size header")
            }
            guard let contentType = header("x-content-type") else {
                throw APIError(.badRequest, "Missing X-Content-Type header")
            }
            guard let etag = header("x-etag") else { throw APIError(.badRequest, "Missing X-Etag header") }
            record = ObjectRecord(name: name, createdAt: timestamp, size: size, contentType: contentType, etag: etag)
        }
        try await writeRow(broker: broker, device: device, autoCreateHeader: header("x-backend-auto-create"), record)
    }

    /// Merges an object server's row; 404 when the container database does not exist, unless the
    /// account is an internal one (`.`-prefixed, or `X-Backend-Auto-Create: true`), whose
    /// containers are made on the first row.
    private func writeRow(broker: ContainerBroker, device: String, autoCreateHeader: String?, _ record: ObjectRecord) async throws {
        let autoCreate: Bool
        if let autoCreateHeader {
            autoCreate = StorageRequest.isTrue(autoCreateHeader)
        } else {
            autoCreate = broker.account.hasPrefix(".") && !broker.account.hasPrefix(".shards_")
        }
        try await broker.access { database in
            if !database.exists {
                guard autoCreate else { throw APIError(.notFound, "") }
                let normalized = record.createdAt.normalized
                try await database.initialize(putTimestamp: normalized, device: device)
            }
            try await database.putObject(record)
        }
    }
}
