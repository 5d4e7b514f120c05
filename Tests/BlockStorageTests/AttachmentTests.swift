import Foundation
import StratusKit
import StratusTestSupport
import XCTest

@testable import BlockStorage

/// The attachments API and the older attach actions, against the real agent and file driver.
final class AttachmentTests: XCTestCase {
    static let connector: JSONValue = [
        "host": "compute1", "ip": "127.0.0.1", "platform": "x86_64", "os_type": "linux", "multipath": false,
        "mountpoint": "/dev/vdb",
    ]

    func testReserveConnectCompleteAndDeleteMoveTheVolumeThroughCindersStates() async throws {
        try await BlockStorageLiveCloud.run { live in
            let volume = try await live.createVolume(["size": 1, "name": "disk"])
            let volumeID = try XCTUnwrap(volume["id"]?.stringValue)
            let server = "6f1c9a80-6d5e-4c55-9d38-3a8c0d9a1b2c"

            let old = try await live.call(.POST, "/attachments", json: ["attachment": ["volume_uuid": .string(volumeID)]], version: "3.26")
            XCTAssertEqual(old.status, 404, "the attachments API starts at 3.27")

            let created = try await live.call(
                .POST, "/attachments", json: ["attachment": ["volume_uuid": .string(volumeID), "instance_uuid": .string(server)]])
            XCTAssertEqual(created.status, 200)
            let attachmentID = try XCTUnwrap(created.json?["attachment"]?["id"]?.stringValue)
            XCTAssertEqual(created.json?["attachment"]?["status"]?.stringValue, "reserved")
            let checked1 = try await live.waitForVolume(volumeID, status: "reserved")["status"]?.stringValue
            XCTAssertEqual(checked1, "reserved")

            let second = try await live.call(
                .POST, "/attachments", json: ["attachment": ["volume_uuid": .string(volumeID), "instance_uuid": .string(server)]])
            XCTAssertEqual(second.status, 400, "a volume that is not multiattach is reserved once")

            let updated = try await live.call(
                .PUT, "/attachments/\(attachmentID)", json: ["attachment": ["connector": Self.connector]])
            XCTAssertEqual(updated.status, 200)
            let info = try XCTUnwrap(updated.json?["attachment"]?["connection_info"])
            XCTAssertEqual(info["driver_volume_type"]?.stringValue, "local")
            let devicePath = try XCTUnwrap(info["data"]?["device_path"]?.stringValue)
            XCTAssertTrue(FileManager.default.fileExists(atPath: devicePath), devicePath)
            XCTAssertEqual(info["data"]?["access_mode"]?.stringValue, "rw")
            XCTAssertEqual(info["attachment_id"]?.stringValue, attachmentID)
            XCTAssertEqual(updated.json?["attachment"]?["status"]?.stringValue, "attaching")
            _ = try await live.waitForVolume(volumeID, status: "attaching")

            let complete = try await live.call(.POST, "/attachments/\(attachmentID)/action", json: ["os-complete": .null])
            XCTAssertEqual(complete.status, 204)
            let inUse = try await live.waitForVolume(volumeID, status: "in-use")
            let listed = try XCTUnwrap(inUse["attachments"]?.arrayValue?.first)
            XCTAssertEqual(listed["server_id"]?.stringValue, server)
            XCTAssertEqual(listed["device"]?.stringValue, "/dev/vdb")
            XCTAssertEqual(listed["attachment_id"]?.stringValue, attachmentID)
            XCTAssertEqual(listed["host_name"]?.stringValue, "compute1")

            let deleteWhileAttached = try await live.call(.DELETE, "/volumes/\(volumeID)")
            XCTAssertEqual(deleteWhileAttached.status, 400)

            let list = try await live.call(.GET, "/attachments?volume_id=\(volumeID)")
            XCTAssertEqual(list.json?["attachments"]?.arrayValue?.map { $0["status"]?.stringValue }, ["attached"])

            let deleted = try await live.call(.DELETE, "/attachments/\(attachmentID)")
            XCTAssertEqual(deleted.status, 200)
            XCTAssertEqual(deleted.json?["attachments"]?.arrayValue?.count, 0)
            let free = try await live.waitForVolume(volumeID, status: "available")
            XCTAssertEqual(free["attachments"]?.arrayValue?.count, 0)
            let gone = try await live.call(.GET, "/attachments/\(attachmentID)")
            XCTAssertEqual(gone.status, 404)
        }
    }

    func testAnotherProjectCannotSeeOrTakeAVolumesAttachment() async throws {
        try await BlockStorageLiveCloud.run { live in
            let volume = try await live.createVolume(["size": 1])
            let volumeID = try XCTUnwrap(volume["id"]?.stringValue)
            let created = try await live.call(.POST, "/attachments", json: ["attachment": ["volume_uuid": .string(volumeID)]])
            let attachmentID = try XCTUnwrap(created.json?["attachment"]?["id"]?.stringValue)
            let project = try await live.cloud.project("other")
            let member = try await live.cloud.user("mallory", projectID: project, role: "member")
            let steal = try await live.call(
                .POST, "/attachments", token: member, project: project, json: ["attachment": ["volume_uuid": .string(volumeID)]])
            XCTAssertEqual(steal.status, 404)
            let peek = try await live.call(.GET, "/attachments/\(attachmentID)", token: member, project: project)
            XCTAssertEqual(peek.status, 404)
            let drop = try await live.call(.DELETE, "/attachments/\(attachmentID)", token: member, project: project)
            XCTAssertEqual(drop.status, 404)
            let theirs = try await live.call(.GET, "/attachments", token: member, project: project)
            XCTAssertEqual(theirs.json?["attachments"]?.arrayValue?.count, 0)
        }
    }

    func testTheOlderAttachActionsReserveConnectAttachAndDetach() async throws {
        try await BlockStorageLiveCloud.run { live in
            let volume = try await live.createVolume(["size": 1])
            let id = try XCTUnwrap(volume["id"]?.stringValue)
            let checked2 = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-reserve": .null]).status
            XCTAssertEqual(checked2, 202)
            _ = try await live.waitForVolume(id, status: "attaching")
            let again = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-reserve": .null])
            XCTAssertEqual(again.status, 400)
            XCTAssertEqual(
                again.json?["badRequest"]?["message"]?.stringValue,
                "Invalid volume: Volume status must be available to reserve, but the status is attaching.")
            let connection = try await live.call(
                .POST, "/volumes/\(id)/action", json: ["os-initialize_connection": ["connector": Self.connector]])
            XCTAssertEqual(connection.status, 200)
            XCTAssertEqual(connection.json?["connection_info"]?["driver_volume_type"]?.stringValue, "local")
            let attach = try await live.call(
                .POST, "/volumes/\(id)/action",
                json: ["os-attach": ["instance_uuid": "1d3f6c02-5a3e-4b8f-9a55-0e9d3c6b7a10", "mountpoint": "/dev/vdc"]])
            XCTAssertEqual(attach.status, 202)
            let inUse = try await live.waitForVolume(id, status: "in-use")
            XCTAssertEqual(inUse["attachments"]?.arrayValue?.first?["device"]?.stringValue, "/dev/vdc")
            let checked3 = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-begin_detaching": .null]).status
            XCTAssertEqual(checked3, 202)
            _ = try await live.waitForVolume(id, status: "detaching")
            let checked4 = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-roll_detaching": .null]).status
            XCTAssertEqual(checked4, 202)
            _ = try await live.waitForVolume(id, status: "in-use")
            let checked5 = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-detach": .object([:])]).status
            XCTAssertEqual(checked5, 202)
            _ = try await live.waitForVolume(id, status: "available")
            let terminate = try await live.call(
                .POST, "/volumes/\(id)/action", json: ["os-terminate_connection": ["connector": Self.connector]])
            XCTAssertEqual(terminate.status, 202)
            let unknown = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-fly": .null])
            XCTAssertEqual(unknown.status, 400)
        }
    }

    func testFrontEndQoSOfTheVolumesTypeReachesTheConnectionInfo() async throws {
        try await BlockStorageLiveCloud.run { live in
            let qos = try await live.call(
                .POST, "/qos-specs", json: ["qos_specs": ["name": "fast", "consumer": "front-end", "read_iops_sec_per_gb": "100"]],
                version: nil)
            XCTAssertEqual(qos.status, 200)
            let qosID = try XCTUnwrap(qos.json?["qos_specs"]?["id"]?.stringValue)
            XCTAssertEqual(qos.json?["qos_specs"]?["specs"]?["read_iops_sec_per_gb"]?.stringValue, "100")
            let type = try await live.call(.POST, "/types", json: ["volume_type": ["name": "fast"]], version: nil)
            let typeID = try XCTUnwrap(type.json?["volume_type"]?["id"]?.stringValue)
            let associate = try await live.call(.GET, "/qos-specs/\(qosID)/associate?vol_type_id=\(typeID)", version: nil)
            XCTAssertEqual(associate.status, 202)
            let associations = try await live.call(.GET, "/qos-specs/\(qosID)/associations", version: nil)
            XCTAssertEqual(associations.json?["qos_associations"]?.arrayValue?.first?["name"]?.stringValue, "fast")
            let inUseDelete = try await live.call(.DELETE, "/qos-specs/\(qosID)", version: nil)
            XCTAssertEqual(inUseDelete.status, 400)

            let volume = try await live.createVolume(["size": 2, "volume_type": "fast"])
            let volumeID = try XCTUnwrap(volume["id"]?.stringValue)
            let attachment = try await live.call(
                .POST, "/attachments", json: ["attachment": ["volume_uuid": .string(volumeID), "connector": Self.connector]])
            XCTAssertEqual(attachment.status, 200)
            let specs = attachment.json?["attachment"]?["connection_info"]?["data"]?["qos_specs"]
            XCTAssertEqual(specs?["read_iops_sec"]?.stringValue, "200", "per-GB limits are multiplied by the size")

            let checked6 = try await live.call(.GET, "/qos-specs/\(qosID)/disassociate_all", version: nil).status
            XCTAssertEqual(checked6, 202)
            let checked7 = try await live.call(.DELETE, "/qos-specs/\(qosID)", version: nil).status
            XCTAssertEqual(checked7, 202)
            let checked8 = try await live.call(.GET, "/qos-specs/\(qosID)", version: nil).status
            XCTAssertEqual(checked8, 404)
        }
    }
}
