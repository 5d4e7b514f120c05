import Crypto
import Foundation
import ServiceClients
import StratusKit
import StratusTestSupport
import XCTest

final class ImageClientTests: XCTestCase {
    func testSnapshotImagesOwnedByTheProject() async throws {
        try await LiveCloud.run { cloud in
            let client = HTTPImageClient(session: cloud.session())
            let alpha = try await cloud.project("alpha")
            let server = UUID().uuidString.lowercased()

            let created = try await client.createImage(
                ImageCreateRequest(
                    name: "snap-1", ownerProjectID: alpha, diskFormat: "raw", containerFormat: "bare", minDisk: 1, minRam: 64,
                    properties: ["image_type": "snapshot", "instance_uuid": server, "hw_disk_bus": "virtio"]))
            XCTAssertEqual(created.owner, alpha, "the service user makes the image for the project")
            XCTAssertEqual(created.status, "queued")
            XCTAssertEqual(created.visibility, "private")
            XCTAssertEqual(created.minDisk, 1)
            XCTAssertEqual(created.minRam, 64)
            XCTAssertEqual(created.properties, ["image_type": "snapshot", "instance_uuid": server, "hw_disk_bus": "virtio"])
            XCTAssertFalse(created.createdAt.isEmpty)

            let file = cloud.directory + "/disk.raw"
            let bytes = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            try Data(bytes).write(to: URL(fileURLWithPath: file))
            try await client.uploadImageData(id: created.id, fileAt: file)
            let shown = try await client.image(id: created.id)
            XCTAssertEqual(shown?.status, "active")
            XCTAssertEqual(shown?.size, Int64(bytes.count))
            XCTAssertEqual(shown?.diskFormat, "raw")
            let record = try await cloud.call(.GET, cloud.imageURL + "/v2/images/\(created.id)", token: try await cloud.adminToken())
            let md5 = Insecure.MD5.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
            XCTAssertEqual(record.json?["checksum"]?.stringValue, md5, "the file's bytes arrived whole")

            try await Task.sleep(for: .milliseconds(1100))
            let newer = try await client.createImage(
                ImageCreateRequest(
                    name: "snap-2", ownerProjectID: alpha, diskFormat: "raw", containerFormat: "bare",
                    properties: ["image_type": "backup", "instance_uuid": server]))
            _ = try await client.createImage(
                ImageCreateRequest(name: "other", ownerProjectID: alpha, properties: ["instance_uuid": "another-server"]))
            let forServer = try await client.images(ownerProjectID: alpha, properties: ["instance_uuid": server])
            XCTAssertEqual(forServer.map(\.id), [newer.id, created.id], "newest first")
            let backups = try await client.images(
                ownerProjectID: alpha, properties: ["instance_uuid": server, "image_type": "backup"])
            XCTAssertEqual(backups.map(\.name), ["snap-2"])
            let elsewhere = try await client.images(ownerProjectID: UUID().uuidString, properties: ["instance_uuid": server])
            XCTAssertTrue(elsewhere.isEmpty)

            try await client.deleteImage(id: created.id)
            try await client.deleteImage(id: created.id)
            let deleted = try await client.image(id: created.id)
            XCTAssertNil(deleted)

            do {
                _ = try await client.createImage(ImageCreateRequest(name: "bad", ownerProjectID: alpha, diskFormat: "floppy"))
                XCTFail("an unknown disk format is refused")
            } catch let error as ServiceClientError {
                XCTAssertEqual(error.service, "image")
                XCTAssertEqual(error.status, 400)
                XCTAssertTrue(error.message.contains("floppy"), error.message)
                XCTAssertFalse(error.message.contains("<br />"), error.message)
            }
            do {
                try await client.uploadImageData(id: newer.id, fileAt: cloud.directory + "/missing.raw")
                XCTFail("a missing file cannot be uploaded")
            } catch {}
        }
    }

    func testListingFollowsEveryPage() async throws {
        try await LiveCloud.run(config: ["image.limit_param_default": "2"]) { cloud in
            let client = HTTPImageClient(session: cloud.session())
            let alpha = try await cloud.project("alpha")
            var made: [String] = []
            for index in 0..<5 {
                let image = try await client.createImage(
                    ImageCreateRequest(name: "backup-\(index)", ownerProjectID: alpha, properties: ["image_type": "backup"]))
                made.append(image.id)
            }
            _ = try await client.createImage(ImageCreateRequest(name: "plain", ownerProjectID: alpha))
            let backups = try await client.images(ownerProjectID: alpha, properties: ["image_type": "backup"])
            XCTAssertEqual(Set(backups.map(\.id)), Set(made), "three pages of two")
            XCTAssertEqual(backups.count, 5)
            XCTAssertEqual(backups.map(\.createdAt), backups.map(\.createdAt).sorted(by: >), "newest first")
        }
    }

    func testAnAdminMaySetTheOwnerOnCreate() async throws {
        try await LiveCloud.run { cloud in
            let alpha = try await cloud.project("alpha")
            let answer = try await cloud.call(
                .POST, cloud.imageURL + "/v2/images", token: try await cloud.adminToken(),
                json: ["name": "x", "owner": .string(alpha)])
            XCTAssertEqual(answer.status, 201, "an admin may set the owner, as in Glance")
            XCTAssertEqual(answer.json?["owner"]?.stringValue, alpha)
        }
    }
}
