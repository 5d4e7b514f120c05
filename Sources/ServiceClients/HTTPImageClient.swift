import AsyncHTTPClient
import NIOCore
import StratusKit
import _NIOFileSystem

/// `ImageClient` over the Image (Glance v2) REST API.
public struct HTTPImageClient: ImageClient {
    let caller: ServiceCaller

    public init(session: ServiceSession, httpClient: HTTPClient = .shared) {
        caller = ServiceCaller(session: session, httpClient: httpClient, serviceType: "image", serviceName: "image")
    }

    private static func imagePath(_ id: String) -> String { "/v2/images/" + ServiceCaller.encode(id) }

    public func image(id: String) async throws -> ImageSummary? {
        let answer = try await caller.send(.GET, Self.imagePath(id))
        if answer.status == 404 { return nil }
        return try summary(try caller.expect(answer, 200).json)
    }

    public func createImage(_ request: ImageCreateRequest) async throws -> ImageSummary {
        var body: [String: JSONValue] = [:]
        for (key, value) in request.properties { body[key] = .string(value) }
        body["name"] = .string(request.name)
        body["owner"] = .string(request.ownerProjectID)
        body["visibility"] = .string(request.visibility)
        body["min_disk"] = .int(Int64(request.minDisk))
        body["min_ram"] = .int(Int64(request.minRam))
        if request.isProtected { body["protected"] = true }
        if let format = request.diskFormat { body["disk_format"] = .string(format) }
        if let format = request.containerFormat { body["container_format"] = .string(format) }
        let answer = try caller.expect(try await caller.send(.POST, "/v2/images", json: .object(body)), 201)
        return try summary(answer.json)
    }

    public func uploadImageData(id: String, fileAt path: String) async throws {
        let answer = try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(path)) { handle in
            let size = try await handle.info().size
            return try await caller.send(
                .PUT, Self.imagePath(id) + "/file", contentType: "application/octet-stream", timeout: .hours(6),
                body: { .stream(handle.readChunks(in: 0..<size, chunkLength: .mebibytes(1)), length: .known(size)) })
        }
        _ = try caller.expect(answer, 204)
    }

    public func downloadImageData(id: String, to path: String) async throws {
        try await caller.download(Self.imagePath(id) + "/file", to: path, timeout: .hours(6))
    }

    public func deleteImage(id: String) async throws {
        _ = try caller.expect(try await caller.send(.DELETE, Self.imagePath(id)), 204, 404)
    }

    public func images(ownerProjectID: String, properties: [String: String]) async throws -> [ImageSummary] {
        var items = [("owner", ownerProjectID)]
        items += properties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        items += [("sort_key", "created_at"), ("sort_dir", "desc")]
        var path: String? = "/v2/images" + ServiceCaller.query(items)
        var found: [ImageSummary] = []
        while let next = path {
            let answer = try caller.expect(try await caller.send(.GET, next), 200)
            for image in try caller.field(answer, "images").arrayValue ?? [] { found.append(try summary(image)) }
            path = answer.json?["next"]?.stringValue
        }
        return found
    }

    /// Glance's image attributes that are not custom properties.
    static let coreAttributes: Set<String> = [
        "id", "name", "status", "visibility", "owner", "disk_format", "container_format", "size", "virtual_size",
        "min_disk", "min_ram", "checksum", "os_hash_algo", "os_hash_value", "os_hidden", "protected", "tags",
        "created_at", "updated_at", "self", "file", "schema", "locations", "direct_url", "stores",
    ]

    private func summary(_ json: JSONValue?) throws -> ImageSummary {
        guard let json, let object = json.objectValue, let id = object["id"]?.stringValue else {
            throw ServiceClientError(service: "image", status: 200, message: "An image in the response lacks its id")
        }
        var properties: [String: String] = [:]
        for (key, value) in object where !Self.coreAttributes.contains(key) {
            if let text = value.stringValue { properties[key] = text }
        }
        return ImageSummary(
            id: id, name: object["name"]?.stringValue ?? "", status: object["status"]?.stringValue ?? "",
            visibility: object["visibility"]?.stringValue ?? "", owner: object["owner"]?.stringValue ?? "",
            diskFormat: object["disk_format"]?.stringValue, containerFormat: object["container_format"]?.stringValue,
            size: object["size"]?.intValue, minDisk: Int(object["min_disk"]?.intValue ?? 0),
            minRam: Int(object["min_ram"]?.intValue ?? 0), properties: properties,
            createdAt: object["created_at"]?.stringValue ?? "")
    }
}
