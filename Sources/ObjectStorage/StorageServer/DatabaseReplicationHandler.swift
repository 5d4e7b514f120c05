import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import StratusKit

/// The receiving side of account and container database replication (see
/// `DatabaseReplicationMessage` for the protocol): `POST /<device>/<partition>/<hash>` with
/// `X-Backend-Replicate: REPLICATE` on an account or container server. (SwiftNIO refuses the
/// REPLICATE verb Swift uses, as for objects.) 400 for a malformed path, hash or message, 507
/// for a missing device, 404 when the database is needed and missing.
struct DatabaseReplicationHandler: Sendable {
    let kind: BrokerLocation.Kind
    let location: BrokerLocation
    let cache: BrokerConnectionCache

    static let maxBody = 64 << 20

    static func wants(_ request: Request) -> Bool {
        request.method == .post && request.headers[.xBackendReplicate]?.uppercased() == "REPLICATE"
    }

    func respond(to request: Request) async throws -> Response {
        let storage = try StorageRequest(
            request, minimum: 3, maximum: 3, restWithLast: false, invalidUTF8Message: "Invalid UTF8 or contains NULL")
        let hash = storage.segments[2] ?? ""
        guard hash.utf8.count == 32, hash.allSatisfy(\.isHexDigit), hash == hash.lowercased() else {
            throw APIError(.badRequest, "Invalid database hash")
        }
        try storage.requireDevice(location)
        let body = try await request.body.collect(upTo: Self.maxBody)
        guard let message = try? JSONDecoder().decode(DatabaseReplicationMessage.self, from: Data(body.readableBytesView)) else {
            throw APIError(.badRequest, "Invalid replication message")
        }
        let path = location.databasePath(kind: kind, device: storage.device, partition: storage.partition, hash: hash)
        let kind = self.kind
        switch message.op {
        case DatabaseReplicationMessage.sync:
            guard let info = message.info else { throw APIError(.badRequest, "sync needs info") }
            let answer = try await cache.withDatabase(at: path) { database -> DatabaseReplicationInfo? in
                let replica = ReplicaDatabase(kind: kind, database: database)
                guard replica.exists else { return nil }
                try await replica.merge(info)
                var mine = try await replica.info()
                mine?.point = try await replica.syncPoint(remoteID: info.id, incoming: true)
                return mine
            }
            guard let answer else { throw APIError(.notFound, "") }
            return try Self.json(.ok, answer)
        case DatabaseReplicationMessage.mergeItems:
            guard message.source != nil else { throw APIError(.badRequest, "merge_items needs a source") }
            let merged = try await cache.withDatabase(at: path) { database -> Bool in
                let replica = ReplicaDatabase(kind: kind, database: database)
                guard replica.exists else { return false }
                try await replica.merge(message)
                return true
            }
            guard merged else { throw APIError(.notFound, "") }
            return Response(status: .accepted, headers: [.contentLength: "0"])
        case DatabaseReplicationMessage.create:
            guard let info = message.info else { throw APIError(.badRequest, "create needs info") }
            guard (try? location.hash(account: info.account, container: info.container)) == hash else {
                throw APIError(.badRequest, "The info's names do not hash to \(hash)")
            }
            let device = storage.device
            let (created, mine) = try await cache.withDatabase(at: path) { database -> (Bool, DatabaseReplicationInfo?) in
                let replica = ReplicaDatabase(kind: kind, database: database)
                let created = try await replica.create(from: info, device: device)
                return (created, try await replica.info())
            }
            return try Self.json(created ? .created : .accepted, mine)
        default:
            throw APIError(.badRequest, "Unknown replication operation")
        }
    }

    static func json<T: Encodable>(_ status: HTTPResponse.Status, _ value: T) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json", .contentLength: String(body.count)],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
