import AsyncHTTPClient
import Foundation
import NIOCore
import StratusKit
import StratusTestSupport
import XCTest

@testable import Compute

/// Personality files (up to 2.56) and config drives through the HTTP API: what the create
/// and rebuild accept, the injected-file limits, what the driver is given, and what the
/// metadata service shows.
final class PersonalityTests: XCTestCase {
    private static func file(_ path: String, _ text: String) -> JSONValue {
        ["path": .string(path), "contents": .string(Data(text.utf8).base64EncodedString())]
    }

    func testPersonalityAndConfigDriveReachTheDriverAndTheMetadataService() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let create = try await cloud.compute(
                .POST, "/servers", version: "2.56",
                json: [
                    "server": [
                        "name": "drive-1", "imageRef": .string(cloud.imageID), "flavorRef": "1",
                        "networks": [["uuid": .string(cloud.networkID)]], "config_drive": true,
                        "metadata": ["purpose": "test"], "user_data": .string(Data("hello guest".utf8).base64EncodedString()),
                        "personality": [Self.file("/etc/motd", "welcome"), Self.file("/root/notes.txt", "second file")],
                    ]
                ])
            XCTAssertEqual(create.status, 202, "\(String(describing: create.json))")
            let id = try XCTUnwrap(create.json?["server"]?["id"]?.stringValue)
            let server = try await cloud.waitFor(id, status: "ACTIVE")
            XCTAssertEqual(server["config_drive"]?.stringValue, "True")

            let spec = try await cloud.guestSpec(of: id)
            XCTAssertEqual(spec.injectedFiles.map(\.path), ["/etc/motd", "/root/notes.txt"])
            XCTAssertEqual(spec.injectedFiles.first?.contents, Array("welcome".utf8))
            let drive = try XCTUnwrap(spec.configDrive, "the driver is given the config drive")
            XCTAssertEqual(drive.label, "config-2")
            let meta = try JSONValue.parse(bytes: try XCTUnwrap(drive.file("openstack/latest/meta_data.json")))
            XCTAssertEqual(meta["uuid"]?.stringValue, id)
            XCTAssertEqual(meta["meta"], ["purpose": "test"])
            XCTAssertEqual(
                meta["files"],
                [["path": "/etc/motd", "content_path": "/content/0000"], ["path": "/root/notes.txt", "content_path": "/content/0001"]])
            XCTAssertEqual(drive.file("openstack/content/0000"), Array("welcome".utf8))
            XCTAssertEqual(drive.file("openstack/content/0001"), Array("second file".utf8))
            XCTAssertEqual(drive.file("openstack/latest/user_data"), Array("hello guest".utf8))
            XCTAssertEqual(drive.file("ec2/latest/user-data"), Array("hello guest".utf8))
            let network = try JSONValue.parse(bytes: try XCTUnwrap(drive.file("openstack/latest/network_data.json")))
            XCTAssertEqual(network["networks"]?.arrayValue?.first?["network_id"]?.stringValue, cloud.networkID)
            let ec2 = try JSONValue.parse(bytes: try XCTUnwrap(drive.file("ec2/latest/meta-data.json")))
            XCTAssertEqual(ec2["hostname"]?.stringValue, "drive-1.novalocal")
            XCTAssertNotNil(drive.file("openstack/2012-08-10/meta_data.json"))
            XCTAssertNil(drive.file("openstack/latest/password"), "the password is never on the drive")

            let project = try await cloud.adminProjectID()
            try await MetadataTestService.run(cloud) { metadata in
                let document = try await XCTUnwrapAsync(
                    try await metadata.get("/openstack/latest/meta_data.json", instance: id, project: project).json)
                XCTAssertEqual(document["files"], meta["files"])
                let content = try await metadata.get("/openstack/content/0001", instance: id, project: project)
                XCTAssertEqual(content.status, 200)
                XCTAssertEqual(content.text, "second file")
                let missing = try await metadata.get("/openstack/content/0002", instance: id, project: project)
                XCTAssertEqual(missing.status, 404)
            }

            let plain = try await cloud.createServer("plain-1")
            let plainServer = try await cloud.waitFor(plain, status: "ACTIVE")
            XCTAssertEqual(plainServer["config_drive"]?.stringValue, "")
            let plainSpec = try await cloud.guestSpec(of: plain)
            XCTAssertNil(plainSpec.configDrive)
            XCTAssertEqual(plainSpec.injectedFiles, [])
        }
    }

    func testPersonalityIsRefusedFrom257AndWhenMalformed() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let files: JSONValue = [Self.file("/etc/motd", "hi")]
            let refused = try await cloud.compute(
                .POST, "/servers", version: "2.57",
                json: ["server": ["name": "late", "imageRef": .string(cloud.imageID), "flavorRef": "1",
                                  "networks": [["uuid": .string(cloud.networkID)]], "personality": files]])
            XCTAssertEqual(refused.status, 400)
            XCTAssertNotNil(refused.json?["badRequest"]?["message"]?.stringValue)
            for (body, fragment) in [
                ([["path": "/a", "contents": "***not base64***"]] as JSONValue, "is not a 'base64'"),
                ([["path": "/a", "contents": "aGk=", "mode": "0600"]] as JSONValue, "Additional properties are not allowed"),
                (["path": "/a"] as JSONValue, "is not of type 'array'"),
            ] {
                let answer = try await cloud.compute(
                    .POST, "/servers", version: "2.56",
                    json: ["server": ["name": "bad", "imageRef": .string(cloud.imageID), "flavorRef": "1",
                                      "networks": [["uuid": .string(cloud.networkID)]], "personality": body]])
                XCTAssertEqual(answer.status, 400)
                let message = answer.json?["badRequest"]?["message"]?.stringValue ?? ""
                XCTAssertTrue(message.contains(fragment), message)
            }
            let list = try await cloud.compute(.GET, "/servers")
            XCTAssertEqual(list.json?["servers"]?.arrayValue?.count, 0, "no refused create left a server")
        }
    }

    func testInjectedFileQuotasAreEnforcedAndReported() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let project = try await cloud.adminProjectID()
            let update = try await cloud.compute(
                .PUT, "/os-quota-sets/\(project)", version: "2.56",
                json: ["quota_set": ["injected_files": 2, "injected_file_path_bytes": 12, "injected_file_content_bytes": 16]])
            XCTAssertEqual(update.status, 200, "\(String(describing: update.json))")
            let limits = try await cloud.compute(.GET, "/limits", version: "2.56")
            let absolute = limits.json?["limits"]?["absolute"]
            XCTAssertEqual(absolute?["maxPersonality"]?.intValue, 2)
            XCTAssertEqual(absolute?["maxPersonalitySize"]?.intValue, 16)
            let later = try await cloud.compute(.GET, "/limits", version: "2.57")
            XCTAssertNil(later.json?["limits"]?["absolute"]?["maxPersonality"], "gone from 2.57")

            func create(_ files: [JSONValue]) async throws -> LiveCloud.Answer {
                try await cloud.compute(
                    .POST, "/servers", version: "2.56",
                    json: ["server": ["name": "quota", "imageRef": .string(cloud.imageID), "flavorRef": "1",
                                      "networks": [["uuid": .string(cloud.networkID)]], "personality": .array(files)]])
            }
            let tooMany = try await create([Self.file("/a", "1"), Self.file("/b", "2"), Self.file("/c", "3")])
            XCTAssertEqual(tooMany.status, 403)
            XCTAssertEqual(tooMany.json?["forbidden"]?["message"]?.stringValue, "Personality file limit exceeded")
            let longPath = try await create([Self.file("/a/very/long/path", "1")])
            XCTAssertEqual(longPath.status, 403)
            XCTAssertEqual(longPath.json?["forbidden"]?["message"]?.stringValue, "Personality file path exceeds maximum 12")
            let bigContent = try await create([Self.file("/a", "more than sixteen bytes")])
            XCTAssertEqual(bigContent.status, 403)
            XCTAssertEqual(bigContent.json?["forbidden"]?["message"]?.stringValue, "Personality file content exceeds maximum 16")
            let list = try await cloud.compute(.GET, "/servers")
            XCTAssertEqual(list.json?["servers"]?.arrayValue?.count, 0, "no refused create left a server")
            let fits = try await create([Self.file("/a", "fits"), Self.file("/b", "too")])
            XCTAssertEqual(fits.status, 202)
            try await cloud.waitFor(try XCTUnwrap(fits.json?["server"]?["id"]?.stringValue), status: "ACTIVE")
        }
    }

    func testRebuildReplacesTheFilesUpTo256() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let create = try await cloud.compute(
                .POST, "/servers", version: "2.56",
                json: ["server": ["name": "rebuilt-1", "imageRef": .string(cloud.imageID), "flavorRef": "1",
                                  "networks": [["uuid": .string(cloud.networkID)]], "config_drive": "True",
                                  "personality": [Self.file("/etc/old", "old")]]])
            XCTAssertEqual(create.status, 202, "\(String(describing: create.json))")
            let id = try XCTUnwrap(create.json?["server"]?["id"]?.stringValue)
            try await cloud.waitFor(id, status: "ACTIVE")
            let refused = try await cloud.action(
                id, ["rebuild": ["imageRef": .string(cloud.imageID), "personality": [Self.file("/etc/new", "new")]]],
                version: "2.57")
            XCTAssertEqual(refused.status, 400)
            let rebuilt = try await cloud.action(
                id, ["rebuild": ["imageRef": .string(cloud.imageID), "personality": [Self.file("/etc/new", "new")]]],
                version: "2.56")
            XCTAssertEqual(rebuilt.status, 202, "\(String(describing: rebuilt.json))")
            try await cloud.waitFor(id, status: "ACTIVE")
            let spec = try await cloud.guestSpec(of: id)
            XCTAssertEqual(spec.injectedFiles, [GuestFile(path: "/etc/new", contents: Array("new".utf8))])
            XCTAssertEqual(spec.configDrive?.file("openstack/content/0000"), Array("new".utf8))
            let project = try await cloud.adminProjectID()
            try await MetadataTestService.run(cloud) { metadata in
                let document = try await metadata.get("/openstack/latest/meta_data.json", instance: id, project: project)
                XCTAssertEqual(document.json?["files"], [["path": "/etc/new", "content_path": "/content/0000"]])
            }
        }
    }

    func testAnImageThatMandatesAConfigDriveGetsOne() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            var patch = HTTPClientRequest(url: cloud.cloud.imageURL + "/v2/images/\(cloud.imageID)")
            patch.method = .PATCH
            patch.headers.add(name: "X-Auth-Token", value: cloud.adminToken)
            patch.headers.add(name: "Content-Type", value: "application/openstack-images-v2.1-json-patch")
            let operations: JSONValue = [["op": "add", "path": "/img_config_drive", "value": "mandatory"]]
            patch.body = .bytes(ByteBuffer(bytes: operations.serialized()))
            let patched = try await HTTPClient.shared.execute(patch, timeout: .seconds(30))
            _ = try await patched.body.collect(upTo: 1 << 20)
            XCTAssertEqual(patched.status.code, 200)

            let id = try await cloud.createServer("mandated-1")
            let server = try await cloud.waitFor(id, status: "ACTIVE")
            XCTAssertEqual(server["config_drive"]?.stringValue, "True", "img_config_drive=mandatory")
            let spec = try await cloud.guestSpec(of: id)
            XCTAssertNotNil(spec.configDrive?.file("openstack/latest/meta_data.json"))
        }
    }
}
