import AsyncHTTPClient
import Crypto
import NIOCore
import StratusKit
import _NIOFileSystem

/// `ObjectStoreClient` over the Object Storage (Swift v1) REST API, at the catalog's
/// `object-store` endpoint (the account of the session's project).
public struct HTTPObjectStoreClient: ObjectStoreClient {
    let caller: ServiceCaller
    /// The largest object read into memory (backup chunks are 4 MiB).
    static let largestObjectInMemory = 64 << 20

    public init(session: ServiceSession, httpClient: HTTPClient = .shared) {
        caller = ServiceCaller(
            session: session, httpClient: httpClient, serviceType: "object-store", serviceName: "object-store")
    }

    static func containerPath(_ container: String) -> String { "/" + ServiceCaller.encode(container) }

    /// The object's path; `/` in its name stays a separator, as Swift names are paths.
    static func objectPath(_ container: String, _ name: String) -> String {
        containerPath(container) + "/" + name.split(separator: "/", omittingEmptySubsequences: false)
            .map { ServiceCaller.encode(String($0)) }.joined(separator: "/")
    }

    public func ensureContainer(_ container: String) async throws {
        _ = try caller.expect(try await caller.send(.PUT, Self.containerPath(container)), 201, 202, 204)
    }

    public func putObject(container: String, name: String, data: [UInt8]) async throws {
        let answer = try await caller.send(
            .PUT, Self.objectPath(container, name), contentType: "application/octet-stream", timeout: .minutes(5),
            body: { .bytes(ByteBuffer(bytes: data)) })
        try checkStored(try caller.expect(answer, 201), md5: Hex.lowercase(Insecure.MD5.hash(data: data)), name: name)
    }

    public func putObject(container: String, name: String, fileAt path: String) async throws {
        let md5 = try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
            var hasher = Insecure.MD5()
            for try await chunk in handle.readChunks(chunkLength: .mebibytes(1)) {
                hasher.update(data: chunk.readableBytesView)
            }
            return Hex.lowercase(hasher.finalize())
        }
        let answer = try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
            let size = try await handle.info().size
            return try await caller.send(
                .PUT, Self.objectPath(container, name), contentType: "application/octet-stream", timeout: .hours(6),
                body: { .stream(handle.readChunks(in: 0..<size, chunkLength: .mebibytes(1)), length: .known(size)) })
        }
        try checkStored(try caller.expect(answer, 201), md5: md5, name: name)
    }

    /// Swift answers a PUT with the stored object's MD5 as its ETag: a different one means the
    /// data was damaged on the way.
    private func checkStored(_ answer: ServiceResponse, md5: String, name: String) throws {
        let etag = answer.headers.first(name: "ETag")?.trimmingCharacters(in: ["\""]).lowercased()
        guard etag == md5 else {
            throw ServiceClientError(
                service: "object-store", status: answer.status,
                message: "Object \(name) was stored with ETag \(etag ?? "none"), expected \(md5)")
        }
    }

    public func object(container: String, name: String) async throws -> [UInt8]? {
        let answer = try await caller.send(
            .GET, Self.objectPath(container, name), contentType: nil, timeout: .minutes(5), body: { nil })
        if answer.status == 404 { return nil }
        return try caller.expect(answer, 200).body
    }

    public func deleteObject(container: String, name: String) async throws {
        _ = try caller.expect(try await caller.send(.DELETE, Self.objectPath(container, name)), 204, 404)
    }

    public func objectNames(container: String, prefix: String) async throws -> [String] {
        var names: [String] = []
        var marker: String?
        while true {
            var query = [("format", "json"), ("prefix", prefix)]
            if let marker { query.append(("marker", marker)) }
            let answer = try await caller.send(.GET, Self.containerPath(container) + ServiceCaller.query(query))
            if answer.status == 404 { return [] }
            if answer.status == 204 { return names }
            let page = try caller.expect(answer, 200).json?.arrayValue ?? []
            let pageNames = page.compactMap { $0["name"]?.stringValue }
            if pageNames.isEmpty { return names }
            names += pageNames
            marker = pageNames.last
        }
    }
}
