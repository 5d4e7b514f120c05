import Foundation
import ServiceClients
import StratusKit
import StratusTestSupport
import XCTest

@testable import Compute

/// Servers that boot from a volume (`block_device_mapping_v2` with a volume destination),
/// against a Block Storage double that keeps Cinder's volume states.
final class BootFromVolumeTests: XCTestCase {
    func testBootFromANewVolumeMadeFromTheImage() async throws {
        let volumes = InMemoryVolumeClient()
        try await ComputeLiveCloud.run(hosts: 1, volumes: volumes) { cloud in
            let project = try await cloud.cloud.project("bfv")
            let member = try await cloud.cloud.user("bfv-member", projectID: project, role: "member")
            let id = try await cloud.createServer(
                "bfv-vm", token: member,
                extra: [
                    "imageRef": "",
                    "block_device_mapping_v2": [
                        [
                            "uuid": .string(cloud.imageID), "source_type": "image", "destination_type": "volume",
                            "boot_index": 0, "volume_size": 3, "delete_on_termination": true,
                        ]
                    ],
                ])
            let server = try await cloud.waitFor(id, status: "ACTIVE")
            XCTAssertEqual(server["image"]?.stringValue, "", "a volume-backed server shows no image")
            let listed = server["os-extended-volumes:volumes_attached"]?.arrayValue ?? []
            XCTAssertEqual(listed.count, 1)
            let volumeID = try XCTUnwrap(listed.first?["id"]?.stringValue)
            XCTAssertEqual(listed.first?["delete_on_termination"]?.boolValue, true)

            let volume = try await XCTUnwrapAsync(await volumes.record(of: volumeID))
            XCTAssertEqual(volume.imageRef, cloud.imageID)
            XCTAssertEqual(volume.summary.size, 3)
            XCTAssertEqual(volume.projectID, project, "made in the user's project, with the user's token")
            XCTAssertEqual(volume.summary.status, "in-use")
            let tokens = await volumes.tokens
            XCTAssertTrue(tokens.allSatisfy { $0 == member })

            let guest = try await XCTUnwrapAsync(await cloud.fakeDriver(host: "compute1").spec(of: id))
            XCTAssertNil(guest.imageID)
            XCTAssertEqual(guest.volumes.map(\.device), ["/dev/vda"])
            XCTAssertEqual(guest.volumes.first?.volumeID, volumeID)

            // The root disk is the volume: no DISK_GB claimed on the host.
            let allocations = try await cloud.allocations(consumer: id)
            let resources = try XCTUnwrap(allocations.values.first)
            XCTAssertEqual(resources["VCPU"], 1)
            XCTAssertNil(resources["DISK_GB"])

            let attachments = try await cloud.compute(.GET, "/servers/\(id)/os-volume_attachments", token: member)
            let item = try XCTUnwrap(attachments.json?["volumeAttachments"]?.arrayValue?.first)
            XCTAssertEqual(item["device"]?.stringValue, "/dev/vda")
            let detachRoot = try await cloud.compute(.DELETE, "/servers/\(id)/os-volume_attachments/\(volumeID)", token: member)
            XCTAssertEqual(detachRoot.status, 400)
            XCTAssertEqual(detachRoot.json?["badRequest"]?["message"]?.stringValue, "Cannot detach a root device volume")

            // What would need the boot volume's image or a snapshot of it is refused.
            let rebuild = try await cloud.action(id, ["rebuild": ["imageRef": .string(cloud.imageID)]], token: member)
            XCTAssertEqual(rebuild.status, 400)
            XCTAssertEqual(
                rebuild.json?["badRequest"]?["message"]?.stringValue,
                "Image \(cloud.imageID) is unacceptable: Unable to rebuild with a different image for a volume-backed server.")
            let snapshot = try await cloud.action(id, ["createImage": ["name": "snap"]], token: member)
            XCTAssertEqual(snapshot.status, 400)

            try await XCTAssertEqualAsync(try await cloud.compute(.DELETE, "/servers/\(id)", token: member).status, 204)
            try await cloud.waitUntilDeleted(id)
            try await VolumeAttachmentTests.waitUntil("the boot volume is deleted with its server") {
                await volumes.status(of: volumeID) == nil
            }
        }
    }

    func testBootFromAnExistingVolumeKeepsIt() async throws {
        let volumes = InMemoryVolumeClient()
        try await ComputeLiveCloud.run(hosts: 1, volumes: volumes) { cloud in
            let adminProject = try await XCTUnwrapAsync(
                try await cloud.cloud.call(.GET, cloud.cloud.identityURL + "/v3/projects?name=admin", token: cloud.adminToken)
                    .json?["projects"]?.arrayValue?.first?["id"]?.stringValue)
            let volumeID = await volumes.addVolume(size: 4, projectID: adminProject)
            let mapping: JSONValue = [
                "uuid": .string(volumeID), "source_type": "volume", "destination_type": "volume", "boot_index": 0,
            ]
            let two = try await cloud.requestServer(
                "bfv-two", extra: ["imageRef": "", "min_count": 2, "block_device_mapping_v2": [mapping]])
            XCTAssertEqual(two.status, 400)
            XCTAssertEqual(two.json?["badRequest"]?["message"]?.stringValue, "Cannot attach one or more volumes to multiple instances")

            let id = try await cloud.createServer("bfv-existing", extra: ["imageRef": "", "block_device_mapping_v2": [mapping]])
            try await cloud.waitFor(id, status: "ACTIVE")
            try await XCTAssertEqualAsync(await volumes.status(of: volumeID), "in-use")
            try await XCTAssertEqualAsync(
                await cloud.fakeDriver(host: "compute1").spec(of: id)?.volumes.map(\.device), ["/dev/vda"])

            // It is in use now: a second server cannot boot from it.
            let busy = try await cloud.requestServer("bfv-busy", extra: ["imageRef": "", "block_device_mapping_v2": [mapping]])
            XCTAssertEqual(busy.status, 400)
            XCTAssertEqual(
                busy.json?["badRequest"]?["message"]?.stringValue,
                "Invalid volume: volume '\(volumeID)' status must be 'available'. Currently in 'in-use'")

            try await XCTAssertEqualAsync(try await cloud.compute(.DELETE, "/servers/\(id)").status, 204)
            try await cloud.waitUntilDeleted(id)
            try await VolumeAttachmentTests.waitUntil("the volume is available again") {
                await volumes.status(of: volumeID) == "available"
            }
            try await XCTAssertEqualAsync(await volumes.attachments.count, 0)
        }
    }

    func testShelvedVolumeBackedServerTakesAVolumeAndUnshelvesWithBoth() async throws {
        let volumes = InMemoryVolumeClient()
        try await ComputeLiveCloud.run(hosts: 1, volumes: volumes) { cloud in
            let id = try await cloud.createServer(
                "bfv-shelf",
                extra: [
                    "imageRef": "",
                    "block_device_mapping_v2": [
                        [
                            "uuid": .string(cloud.imageID), "source_type": "image", "destination_type": "volume",
                            "boot_index": 0, "volume_size": 1,
                        ]
                    ],
                ])
            let server = try await cloud.waitFor(id, status: "ACTIVE")
            let project = try XCTUnwrap(server["tenant_id"]?.stringValue)
            let imagesBefore = try await cloud.cloud.call(.GET, cloud.cloud.imageURL + "/v2/images", token: cloud.adminToken)
                .json?["images"]?.arrayValue?.count
            try await XCTAssertEqualAsync(try await cloud.action(id, ["shelve": .null]).status, 202)
            try await cloud.waitFor(id, status: "SHELVED_OFFLOADED")
            let imagesAfter = try await cloud.cloud.call(.GET, cloud.cloud.imageURL + "/v2/images", token: cloud.adminToken)
                .json?["images"]?.arrayValue?.count
            XCTAssertEqual(imagesAfter, imagesBefore, "a volume-backed server is shelved without an image")

            let data = await volumes.addVolume(projectID: project)
            let path = "/servers/\(id)/os-volume_attachments"
            let early = try await cloud.compute(
                .POST, path, version: "2.19", json: ["volumeAttachment": ["volumeId": .string(data)]])
            XCTAssertEqual(early.status, 409)
            XCTAssertEqual(
                early.json?["conflictingRequest"]?["message"]?.stringValue,
                "Cannot 'attach_volume' instance \(id) while it is in vm_state shelved_offloaded")
            let attached = try await cloud.compute(.POST, path, json: ["volumeAttachment": ["volumeId": .string(data)]])
            XCTAssertEqual(attached.status, 200)
            XCTAssertEqual(attached.json?["volumeAttachment"]?["device"], .null, "no host, no device yet")
            try await XCTAssertEqualAsync(await volumes.status(of: data), "in-use")

            try await XCTAssertEqualAsync(try await cloud.action(id, ["unshelve": .null]).status, 202)
            try await cloud.waitFor(id, status: "ACTIVE")
            let guest = try await XCTUnwrapAsync(await cloud.fakeDriver(host: "compute1").spec(of: id))
            XCTAssertNil(guest.imageID)
            XCTAssertEqual(guest.volumes.map(\.device), ["/dev/vda", "/dev/vdb"])
            let attachment = try await XCTUnwrapAsync(await volumes.attachments(ofVolume: data).first)
            XCTAssertEqual(attachment.connector?.host, "compute1")
            XCTAssertEqual(attachment.status, "attached")
            try await XCTAssertEqualAsync(await volumes.attachments(ofVolume: data).count, 1)
            let shown = try await cloud.compute(.GET, "\(path)/\(data)")
            XCTAssertEqual(shown.json?["volumeAttachment"]?["device"]?.stringValue, "/dev/vdb")
        }
    }

    func testAVolumeThatFailsToBeCreatedFailsTheBuildAndIsNotLeaked() async throws {
        let volumes = InMemoryVolumeClient()
        await volumes.setCreationOutcome("error")
        try await ComputeLiveCloud.run(hosts: 2, volumes: volumes) { cloud in
            let id = try await cloud.createServer(
                "bfv-error",
                extra: [
                    "imageRef": "",
                    "block_device_mapping_v2": [
                        [
                            "uuid": .string(cloud.imageID), "source_type": "image", "destination_type": "volume",
                            "boot_index": 0, "volume_size": 1,
                        ]
                    ],
                ])
            let server = try await cloud.waitFor(id, status: "ERROR")
            let message = try XCTUnwrap(server["fault"]?["message"]?.stringValue)
            XCTAssertTrue(message.contains("did not finish being created"), message)
            XCTAssertFalse(message.contains("Exceeded maximum number of retries"), "a volume failure is not rescheduled")
            try await XCTAssertEqualAsync(await volumes.volumes.count, 0, "the failed volume was deleted")
            try await XCTAssertEqualAsync(await volumes.attachments.count, 0)
            try await XCTAssertEqualAsync(try await cloud.allocations(consumer: id).count, 0)
            try await XCTAssertEqualAsync(try await cloud.ports(deviceID: id).count, 0)
        }
    }

    func testMappingsThatCannotWorkAreRefused() async throws {
        let volumes = InMemoryVolumeClient()
        try await ComputeLiveCloud.run(hosts: 1, volumes: volumes) { cloud in
            let noSize = try await cloud.requestServer(
                "bfv-nosize",
                extra: [
                    "imageRef": "",
                    "block_device_mapping_v2": [
                        ["uuid": .string(cloud.imageID), "source_type": "image", "destination_type": "volume", "boot_index": 0]
                    ],
                ])
            XCTAssertEqual(noSize.status, 400)
            XCTAssertEqual(
                noSize.json?["badRequest"]?["message"]?.stringValue,
                "Block Device Mapping is Invalid: Images with destination_type 'volume' need to have a non-zero size specified")
            let unknown = "9a3c4e5f-0000-4000-8000-000000000004"
            let missing = try await cloud.requestServer(
                "bfv-missing",
                extra: [
                    "imageRef": "",
                    "block_device_mapping_v2": [
                        ["uuid": .string(unknown), "source_type": "volume", "destination_type": "volume", "boot_index": 0]
                    ],
                ])
            XCTAssertEqual(missing.status, 400)
            XCTAssertEqual(
                missing.json?["badRequest"]?["message"]?.stringValue,
                "Block Device Mapping is Invalid: failed to get volume \(unknown).")
            let servers = try await cloud.compute(.GET, "/servers")
            XCTAssertEqual(servers.json?["servers"]?.arrayValue?.count, 0, "no server recorded by a refusal")
            try await XCTAssertEqualAsync(await volumes.volumes.count, 0)
        }
    }
}
