import HTTPTypes
import Hummingbird
import NIOCore
import StratusKit

extension StorageRequest {
    /// The metadata headers of the request (`X-<Kind>-Meta-*`, `X-<Kind>-Sysmeta-*`, and the
    /// container ACL and sync headers), names title-cased, all at `timestamp`.
    func metadataUpdates(kind: String, timestamp: SwiftTimestamp) -> [String: BrokerMetadata.Item] {
        var updates: [String: BrokerMetadata.Item] = [:]
        for field in request.headers where MetadataHeaders.isStored(field.name.rawName, kind: kind) {
            updates[MetadataHeaders.titleCased(field.name.rawName)] = BrokerMetadata.Item(
                value: field.value, timestamp: timestamp.internal)
        }
        return updates
    }

    /// The device directory, or 507 naming the drive.
    func requireDevice(_ location: BrokerLocation) throws {
        guard location.deviceDirectory(device) != nil else {
            throw StorageErrorRenderer.insufficientStorage(drive: device)
        }
    }
}

/// Runs `body`, turning database errors into the answers Swift gives: over-limit metadata is
/// 400 with Swift's message, a missing database 404.
func answeringBrokerErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch BrokerError.metadataTooLarge(let message) {
        throw APIError(.badRequest, message)
    } catch BrokerError.notFound {
        throw APIError(.notFound, "")
    }
}

extension HTTPFields {
    /// Adds the visible metadata as headers.
    mutating func addMetadata(_ metadata: BrokerMetadata) {
        for (key, value) in metadata.visible { set(key, value) }
    }
}

extension Response {
    /// A response with swob's default body for the status (none for 201, 204 ...), none for HEAD.
    static func storage(_ status: HTTPResponse.Status, headers: HTTPFields = [:], request: Request) -> Response {
        var headers = headers
        guard let page = StorageErrorRenderer.defaultPage(status) else {
            return Response(status: status, headers: headers)
        }
        headers[.contentType] = "text/html; charset=UTF-8"
        headers[.contentLength] = String(page.utf8.count)
        if request.method == .head { return Response(status: status, headers: headers) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
    }
}
