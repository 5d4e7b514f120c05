import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import StratusKit
import StratusTestSupport

@testable import Identity
@testable import Image

/// A throwaway Identity and Image service pair for one test, in memory, in a temp data dir.
enum ImageTestCloud {
    static var logger: Logger { ServiceTestHarness.logger }

    static func run(config: [String: String] = [:], _ body: @Sendable (ImageClient) async throws -> Void) async throws {
        try await ServiceTestHarness.run(config: config, databaseKeys: ["image.database_url"]) { directory, config in
            let image = try await ImageService(
                dataDirectory: directory, config: config, publicURL: "http://127.0.0.1:9292",
                authURL: "http://127.0.0.1:5000", logger: ServiceTestHarness.logger)
            return (image, { image.makeRouter(tokenValidator: $0) }, { await image.shutdown() })
        } _: { identity, client, image, directory in
            try await body(ImageClient(identity: identity, image: client, service: image, dataDirectory: directory))
        }
    }
}

struct ImageResponse: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: [UInt8]
    var json: JSONValue? { body.isEmpty ? nil : try? JSONValue.parse(bytes: body) }
    func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { headers[$0] } }
}

struct ImageClient: Sendable {
    let identity: TestIdentity
    let image: any TestClientProtocol
    let service: ImageService
    let dataDirectory: String

    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ path: String, token: String?, json: JSONValue? = nil, bytes: [UInt8]? = nil,
        contentType: String? = nil, headers extra: [String: String] = [:]
    ) async throws -> ImageResponse {
        var headers = HTTPFields()
        headers[.accept] = "application/json"
        if let token { headers[HTTPField.Name("X-Auth-Token")!] = token }
        var buffer: ByteBuffer?
        if let json {
            headers[.contentType] = contentType ?? "application/json"
            buffer = ByteBuffer(data: json.encodedData())
        }
        if let bytes {
            headers[.contentType] = contentType ?? "application/octet-stream"
            buffer = ByteBuffer(bytes: bytes)
        }
        for (name, value) in extra { headers[HTTPField.Name(name)!] = value }
        return try await image.execute(uri: path, method: method, headers: headers, body: buffer) { response in
            ImageResponse(status: response.status, headers: response.headers, body: Array(response.body.readableBytesView))
        }
    }

    func adminToken() async throws -> String { try await identity.adminToken() }
    func systemToken() async throws -> String { try await identity.systemToken() }
    func project(_ name: String, role: String = "member") async throws -> TestProject {
        try await identity.project(name, role: role)
    }

    /// Creates an image; fails the test unless the answer is 201.
    func createImage(_ body: JSONValue, token: String) async throws -> JSONValue {
        let response = try await call(.post, "/v2/images", token: token, json: body)
        guard response.status == .created, let json = response.json else {
            throw TestFailure("create image: \(response.status) \(String(decoding: response.body, as: UTF8.self))")
        }
        return json
    }

    func patch(_ id: String, _ operations: JSONValue, token: String) async throws -> ImageResponse {
        try await call(
            .patch, "/v2/images/\(id)", token: token, json: operations, contentType: "application/openstack-images-v2.1-json-patch")
    }

    /// Files in the file store (uploads in progress are never among them).
    func storedFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dataDirectory + "/images")) ?? []).sorted()
    }
}

enum Digests {
    static func hex(_ digest: some Digest) -> String { digest.map { String(format: "%02x", $0) }.joined() }
    static func md5(_ bytes: [UInt8]) -> String { hex(Insecure.MD5.hash(data: bytes)) }
    static func sha512(_ bytes: [UInt8]) -> String { hex(SHA512.hash(data: bytes)) }
}

/// Minimal disk-image headers for tests.
enum SampleImages {
    static func bigEndian64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8((value >> (56 - 8 * UInt64($0))) & 0xff) } }
    static func bigEndian32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (24 - 8 * UInt32($0))) & 0xff) } }

    /// A qcow2 version-3 header of `virtualSize` bytes, optionally with a backing file.
    static func qcow2(virtualSize: UInt64, backingFile: String? = nil, length: Int = 4096) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: max(length, 512))
        let header: [UInt8] = [0x51, 0x46, 0x49, 0xfb] + bigEndian32(3)
        bytes.replaceSubrange(0..<8, with: header)
        if let backingFile {
            bytes.replaceSubrange(8..<16, with: bigEndian64(512))
            bytes.replaceSubrange(16..<20, with: bigEndian32(UInt32(backingFile.utf8.count)))
            bytes.replaceSubrange(512..<(512 + backingFile.utf8.count), with: Array(backingFile.utf8))
        }
        bytes.replaceSubrange(20..<24, with: bigEndian32(16))  // cluster_bits
        bytes.replaceSubrange(24..<32, with: bigEndian64(virtualSize))
        bytes.replaceSubrange(100..<104, with: bigEndian32(104))  // header_length
        return bytes
    }

    static func random(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
