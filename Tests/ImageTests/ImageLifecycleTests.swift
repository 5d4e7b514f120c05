import Foundation
import HTTPTypes
import StratusKit
import XCTest

@testable import Image

final class ImageLifecycleTests: XCTestCase {
    func testCreateShowsGlanceFieldsAndLocation() async throws {
        try await ImageTestCloud.run { cloud in
            let project = try await cloud.project("alpha")
            let response = try await cloud.call(
                .post, "/v2/images", token: project.token,
                json: ["name": "cirros", "disk_format": "qcow2", "container_format": "bare", "tags": ["a"], "distro": "debian"])
            XCTAssertEqual(response.status, .created)
            let image = try XCTUnwrap(response.json)
            let id = try XCTUnwrap(image["id"]?.stringValue)
            XCTAssertEqual(response.header("Location"), "http://127.0.0.1:9292/v2/images/\(id)")
            XCTAssertEqual(image["status"], "queued")
            XCTAssertEqual(image["visibility"], "shared")
            XCTAssertEqual(image["owner"]?.stringValue, project.id)
            XCTAssertEqual(image["checksum"], .null)
            XCTAssertEqual(image["size"], .null)
            XCTAssertEqual(image["distro"], "debian")
            XCTAssertEqual(image["tags"], ["a"])
            XCTAssertEqual(image["file"]?.stringValue, "/v2/images/\(id)/file")
            XCTAssertEqual(image["schema"], "/v2/schemas/image")
            let shown = try await cloud.call(.get, "/v2/images/\(id)", token: project.token)
            XCTAssertEqual(shown.status, .ok)
            XCTAssertEqual(shown.json?["name"], "cirros")
        }
    }

    func testCreateRefusesReadOnlyAndBadValues() async throws {
        try await ImageTestCloud.run { cloud in
            let project = try await cloud.project("alpha")
            let readOnly = try await cloud.call(.post, "/v2/images", token: project.token, json: ["status": "active"])
            XCTAssertEqual(readOnly.status, .forbidden)
            XCTAssertTrue(String(decoding: readOnly.body, as: UTF8.self).contains("read-only"))
            let badFormat = try await cloud.call(.post, "/v2/images", token: project.token, json: ["disk_format": "exe"])
            XCTAssertEqual(badFormat.status, .badRequest)
            let badProperty = try await cloud.call(.post, "/v2/images", token: project.token, json: ["k": 1])
            XCTAssertEqual(badProperty.status, .badRequest)
            let id = IDGenerator.uuid()
            _ = try await cloud.createImage(["id": .string(id)], token: project.token)
            let duplicate = try await cloud.call(.post, "/v2/images", token: project.token, json: ["id": .string(id)])
            XCTAssertEqual(duplicate.status, .conflict)
        }
    }

    func testUploadDownloadRoundTripWithHashesAndRanges() async throws {
        try await ImageTestCloud.run { cloud in
            let project = try await cloud.project("alpha")
            let image = try await cloud.createImage(
                ["name": "raw", "disk_format": "raw", "container_format": "bare"], token: project.token)
            let id = try XCTUnwrap(image["id"]?.stringValue)
            let data = SampleImages.random(300_000)
            let upload = try await cloud.call(.put, "/v2/images/\(id)/file", token: project.token, bytes: data)
            XCTAssertEqual(upload.status, .noContent, String(decoding: upload.body, as: UTF8.self))
            let fetched1 = try await cloud.call(.get, "/v2/images/\(id)", token: project.token).json
            let shown = try XCTUnwrap(fetched1)
            XCTAssertEqual(shown["status"], "active")
            XCTAssertEqual(shown["size"], .int(300_000))
            XCTAssertEqual(shown["virtual_size"], .int(300_000))
            XCTAssertEqual(shown["checksum"]?.stringValue, Digests.md5(data))
            XCTAssertEqual(shown["os_hash_algo"], "sha512")
            XCTAssertEqual(shown["os_hash_value"]?.stringValue, Digests.sha512(data))
            XCTAssertEqual(shown["stores"], "file")

            let download = try await cloud.call(.get, "/v2/images/\(id)/file", token: project.token)
            XCTAssertEqual(download.status, .ok)
            XCTAssertEqual(download.body, data)
            XCTAssertEqual(download.header("Content-MD5"), Digests.md5(data))
            XCTAssertEqual(download.header("Content-Type"), "application/octet-stream")

            let range = try await cloud.call(.get, "/v2/images/\(id)/file", token: project.token, headers: ["Range": "bytes=100-199"])
            XCTAssertEqual(range.status, .partialContent)
            XCTAssertEqual(range.body, Array(data[100...199]))
            XCTAssertEqual(range.header("Content-Range"), "bytes 100-199/300000")
            let suffix = try await cloud.call(.get, "/v2/images/\(id)/file", token: project.token, headers: ["Range": "bytes=-10"])
            XCTAssertEqual(suffix.body, Array(data[(300_000 - 10)...]))
            let outside = try await cloud.call(.get, "/v2/images/\(id)/file", token: project.token, headers: ["Range": "bytes=400000-"])
            XCTAssertEqual(outside.status, .rangeNotSatisfiable)

            let again = try await cloud.call(.put, "/v2/images/\(id)/file", token: project.token, bytes: data)
            XCTAssertEqual(again.status, .conflict)
            XCTAssertEqual(cloud.storedFiles(), [id])
        }
    }

    func testQueuedImageHasNoData() async throws {
        try await ImageTestCloud.run { cloud in
            let project = try await cloud.project("alpha")
            let fetched2 = try await cloud.createImage(["name": "empty"], token: project.token)["id"]?.stringValue
            let id = try XCTUnwrap(fetched2)
            let download = try await cloud.call(.get, "/v2/images/\(id)/file", token: project.token)
            XCTAssertEqual(download.status, .noContent)
            let noFormats = try await cloud.call(.put, "/v2/images/\(id)/file", token: project.token, bytes: [1, 2, 3])
            XCTAssertEqual(noFormats.status, .badRequest)
            let shown = try await cloud.call(.get, "/v2/images/\(id)", token: project.token)
            XCTAssertEqual(shown.json?["status"], "queued")
        }
    }

    func testFormatMismatchAndBackingFileAreRefusedAndLeaveNothing() async throws {
        try await ImageTestCloud.run { cloud in
            let project = try await cloud.project("alpha")
            let fetched3 = try await cloud.createImage(["disk_format": "raw", "container_format": "bare"], token: project.token)["id"]?.stringValue
            let asRaw = try XCTUnwrap(fetched3)
            let qcow2 = SampleImages.qcow2(virtualSize: 1 << 30)
            let refused = try await cloud.call(.put, "/v2/images/\(asRaw)/file", token: project.token, bytes: qcow2)
            XCTAssertEqual(refused.status, .unsupportedMediaType)
            let value1 = try await cloud.call(.get, "/v2/images/\(asRaw)", token: project.token).json?["status"]
            XCTAssertEqual(value1, "queued")

            let fetched4 = try await cloud.createImage(["disk_format": "qcow2", "container_format": "bare"], token: project.token)["id"]?.stringValue
            let backed = try XCTUnwrap(fetched4)
            let withBacking = SampleImages.qcow2(virtualSize: 1 << 30, backingFile: "/etc/passwd")
            let refusedBacking = try await cloud.call(.put, "/v2/images/\(backed)/file", token: project.token, bytes: withBacking)
            XCTAssertEqual(refusedBacking.status, .unsupportedMediaType)
            XCTAssertEqual(cloud.storedFiles(), [])

            let good = try await cloud.call(.put, "/v2/images/\(backed)/file", token: project.token, bytes: qcow2)
            XCTAssertEqual(good.status, .noContent, String(decoding: good.body, as: UTF8.self))
            let shown = try await cloud.call(.get, "/v2/images/\(backed)", token: project.token)
            XCTAssertEqual(shown.json?["virtual_size"], .int(1 << 30))
        }
    }

    func testPatchOperations() async throws {
        try await ImageTestCloud.run { cloud in
            let project = try await cloud.project("alpha")
            let fetched5 = try await cloud.createImage(["name": "one", "k1": "v1"], token: project.token)["id"]?.stringValue
            let id = try XCTUnwrap(fetched5)
            let updated = try await cloud.patch(
                id,
                [
                    ["op": "replace", "path": "/name", "value": "two"], ["op": "add", "path": "/k2", "value": "v2"],
                    ["op": "remove", "path": "/k1"], ["op": "add", "path": "/tags", "value": ["x", "y"]],
                    ["op": "replace", "path": "/min_ram", "value": 512],
                ], token: project.token)
            XCTAssertEqual(updated.status, .ok, String(decoding: updated.body, as: UTF8.self))
            XCTAssertEqual(updated.json?["name"], "two")
            XCTAssertEqual(updated.json?["k2"], "v2")
            XCTAssertNil(updated.json?["k1"])
            XCTAssertEqual(updated.json?["tags"], ["x", "y"])
            XCTAssertEqual(updated.json?["min_ram"], .int(512))

            let readOnly = try await cloud.patch(id, [["op": "replace", "path": "/status", "value": "active"]], token: project.token)
            XCTAssertEqual(readOnly.status, .forbidden)
            let missing = try await cloud.patch(id, [["op": "remove", "path": "/nope"]], token: project.token)
            XCTAssertEqual(missing.status, .conflict)
            let replaceMissing = try await cloud.patch(id, [["op": "replace", "path": "/nope", "value": "x"]], token: project.token)
            XCTAssertEqual(replaceMissing.status, .conflict)
            let removeCore = try await cloud.patch(id, [["op": "remove", "path": "/name"]], token: project.token)
            XCTAssertEqual(removeCore.status, .forbidden)
            let wrongType = try await cloud.call(
                .patch, "/v2/images/\(id)", token: project.token, json: [["op": "replace", "path": "/name", "value": "z"]])
            XCTAssertEqual(wrongType.status, .unsupportedMediaType)
            let publicize = try await cloud.patch(id, [["op": "replace", "path": "/visibility", "value": "public"]], token: project.token)
            XCTAssertEqual(publicize.status, .forbidden)
            let community = try await cloud.patch(id, [["op": "replace", "path": "/visibility", "value": "community"]], token: project.token)
            XCTAssertEqual(community.status, .ok)
            let unchanged = try await cloud.call(.get, "/v2/images/\(id)", token: project.token)
            XCTAssertEqual(unchanged.json?["name"], "two")
        }
    }

    func testTagsProtectedDeleteAndDeactivation() async throws {
        try await ImageTestCloud.run { cloud in
            let project = try await cloud.project("alpha")
            let admin = try await cloud.adminToken()
            let fetched6 = try await cloud.createImage( ["disk_format": "raw", "container_format": "bare", "protected": true, "visibility": "private"], token: project.token)["id"]?.stringValue
            let id = try XCTUnwrap(fetched6)
            let value2 = try await cloud.call(.put, "/v2/images/\(id)/tags/blue", token: project.token).status
            XCTAssertEqual(value2, .noContent)
            let value3 = try await cloud.call(.get, "/v2/images/\(id)", token: project.token).json?["tags"]
            XCTAssertEqual(value3, ["blue"])
            let value4 = try await cloud.call(.delete, "/v2/images/\(id)/tags/blue", token: project.token).status
            XCTAssertEqual(value4, .noContent)
            let value5 = try await cloud.call(.delete, "/v2/images/\(id)/tags/blue", token: project.token).status
            XCTAssertEqual(value5, .notFound)

            let value6 = try await cloud.call(.put, "/v2/images/\(id)/file", token: project.token, bytes: [1, 2, 3]).status
            XCTAssertEqual(value6, .noContent)
            let value7 = try await cloud.call(.delete, "/v2/images/\(id)", token: project.token).status
            XCTAssertEqual(value7, .forbidden)

            let value8 = try await cloud.call(.post, "/v2/images/\(id)/actions/deactivate", token: project.token).status
            XCTAssertEqual(value8, .forbidden)
            let value9 = try await cloud.call(.post, "/v2/images/\(id)/actions/deactivate", token: admin).status
            XCTAssertEqual(value9, .noContent)
            let value10 = try await cloud.call(.get, "/v2/images/\(id)", token: project.token).json?["status"]
            XCTAssertEqual(value10, "deactivated")
            let value11 = try await cloud.call(.get, "/v2/images/\(id)/file", token: project.token).status
            XCTAssertEqual(value11, .forbidden)
            let value12 = try await cloud.call(.get, "/v2/images/\(id)/file", token: admin).body
            XCTAssertEqual(value12, [1, 2, 3])
            let value13 = try await cloud.call(.post, "/v2/images/\(id)/actions/reactivate", token: admin).status
            XCTAssertEqual(value13, .noContent)
            let value14 = try await cloud.call(.get, "/v2/images/\(id)/file", token: project.token).body
            XCTAssertEqual(value14, [1, 2, 3])

            let value15 = try await cloud.patch(id, [["op": "replace", "path": "/protected", "value": false]], token: project.token).status
            XCTAssertEqual(value15, .ok)
            let value16 = try await cloud.call(.delete, "/v2/images/\(id)", token: project.token).status
            XCTAssertEqual(value16, .noContent)
            let value17 = try await cloud.call(.get, "/v2/images/\(id)", token: project.token).status
            XCTAssertEqual(value17, .notFound)
            XCTAssertEqual(cloud.storedFiles(), [])
            let reuse = try await cloud.call(.post, "/v2/images", token: project.token, json: ["id": .string(id)])
            XCTAssertEqual(reuse.status, .conflict)
        }
    }

    func testReaderCannotCreateOrUpload() async throws {
        try await ImageTestCloud.run { cloud in
            let reader = try await cloud.project("watchers", role: "reader")
            let refused = try await cloud.call(.post, "/v2/images", token: reader.token, json: ["name": "x"])
            XCTAssertEqual(refused.status, .forbidden)
            let list = try await cloud.call(.get, "/v2/images", token: reader.token)
            XCTAssertEqual(list.status, .ok)
            let anonymous = try await cloud.call(.get, "/v2/images", token: nil)
            XCTAssertEqual(anonymous.status, .unauthorized)
        }
    }
}
