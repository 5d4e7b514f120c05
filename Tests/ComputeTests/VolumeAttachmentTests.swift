import Foundation
import ServiceClients
import StratusKit
import StratusTestSupport
import XCTest

@testable import Compute

/// `os-volume_attachments` through the Compute API, against a Block Storage double that
/// keeps Cinder's volume states.
final class VolumeAttachmentTests: XCTestCase {
    func testAttachShowsTheVolumeEverywhereThenDetachReleasesIt() async throws {
        let volumes = InMemoryVolumeClient()
        try await ComputeLiveCloud.run(hosts: 1, volumes: volumes) { cloud in
            let project = try await cloud.cloud.project("vol-attach")
            let member = try await cloud.cloud.user("vol-attach-member", projectID: project, role: "member")
            let id = try await cloud.createServer("vol-vm", token: member)
            try await cloud.waitFor(id, status: "ACTIVE")
            let volumeID = await volumes.addVolume(size: 2, projectID: project)
            let path = "/servers/\(id)/os-volume_attachments"

            let attached = try await cloud.compute(
                .POST, path, token: member, version: "2.79",
                json: ["volumeAttachment": ["volumeId": .string(volumeID), "tag": "data", "delete_on_termination": false]])
            XCTAssertEqual(attached.status, 200, "\(String(describing: attached.json))")
            let view = try XCTUnwrap(attached.json?["volumeAttachment"])
            XCTAssertEqual(view["device"]?.stringValue, "/dev/vdb")
            XCTAssertEqual(view["id"]?.stringValue, volumeID)
            XCTAssertEqual(view["serverId"]?.stringValue, id)
            XCTAssertEqual(view["tag"]?.stringValue, "data")
            XCTAssertEqual(view["delete_on_termination"]?.boolValue, false)
            try await Self.waitUntil("the volume is in-use") { await volumes.status(of: volumeID) == "in-use" }

            // Block Storage saw the user's own token, never the service's.
            let tokens = await volumes.tokens
            XCTAssertFalse(tokens.isEmpty)
            XCTAssertTrue(tokens.allSatisfy { $0 == member }, "every call carries the caller's token")
            let attachment = try await XCTUnwrapAsync(await volumes.attachments(ofVolume: volumeID).first)
            XCTAssertEqual(attachment.status, "attached")
            XCTAssertEqual(attachment.instanceUUID, id)
            XCTAssertEqual(attachment.connector?.host, "compute1")
            XCTAssertEqual(attachment.connector?.mountpoint, "/dev/vdb")
            XCTAssertEqual(attachment.connector?.osType, "linux")

            // The guest has the device, with the connection Block Storage gave.
            let driver = try cloud.fakeDriver(host: "compute1")
            let guestVolume = try await XCTUnwrapAsync(await driver.spec(of: id)?.volumes.first)
            XCTAssertEqual(guestVolume.device, "/dev/vdb")
            XCTAssertEqual(guestVolume.connectionType, "file")
            XCTAssertEqual(guestVolume.connectionData["volume_id"], volumeID)
            let diagnostics = try await driver.diagnostics(id)
            XCTAssertEqual(diagnostics.diskDevices, ["vda", "vdb"])

            // The views of each microversion.
            let list21 = try await cloud.compute(.GET, path, token: member, version: "2.1")
            let item21 = try XCTUnwrap(list21.json?["volumeAttachments"]?.arrayValue?.first)
            XCTAssertEqual(Set(item21.objectValue?.keys.map { $0 } ?? []), ["id", "volumeId", "serverId", "device"])
            let list89 = try await cloud.compute(.GET, path, token: member, version: "2.89")
            let item89 = try XCTUnwrap(list89.json?["volumeAttachments"]?.arrayValue?.first)
            XCTAssertNil(item89["id"])
            XCTAssertEqual(item89["attachment_id"]?.stringValue, attachment.id)
            XCTAssertNotNil(item89["bdm_uuid"]?.stringValue)
            XCTAssertEqual(item89["tag"]?.stringValue, "data")
            let show = try await cloud.compute(.GET, "\(path)/\(volumeID)", token: member, version: "2.70")
            XCTAssertEqual(show.json?["volumeAttachment"]?["tag"]?.stringValue, "data")
            XCTAssertNil(show.json?["volumeAttachment"]?["delete_on_termination"])
            let server = try await cloud.compute(.GET, "/servers/\(id)", token: member, version: "2.3")
            let listed = server.json?["server"]?["os-extended-volumes:volumes_attached"]?.arrayValue ?? []
            XCTAssertEqual(listed, [["id": .string(volumeID), "delete_on_termination": false]])
            let detail = try await cloud.compute(.GET, "/servers/detail", token: member, version: "2.1")
            XCTAssertEqual(
                detail.json?["servers"]?.arrayValue?.first?["os-extended-volumes:volumes_attached"],
                [["id": .string(volumeID)]])

            // A second volume takes the next device; delete_on_termination changes from 2.85.
            let second = await volumes.addVolume(projectID: project)
            let secondAttach = try await cloud.compute(
                .POST, path, token: member, json: ["volumeAttachment": ["volumeId": .string(second)]])
            XCTAssertEqual(secondAttach.json?["volumeAttachment"]?["device"]?.stringValue, "/dev/vdc")
            try await Self.waitUntil("the second volume is in-use") { await volumes.status(of: second) == "in-use" }
            let update = try await cloud.compute(
                .PUT, "\(path)/\(second)", token: member, version: "2.85",
                json: ["volumeAttachment": ["volumeId": .string(second), "delete_on_termination": true]])
            XCTAssertEqual(update.status, 202, "\(String(describing: update.json))")
            let updated = try await cloud.compute(.GET, "\(path)/\(second)", token: member, version: "2.85")
            XCTAssertEqual(updated.json?["volumeAttachment"]?["delete_on_termination"]?.boolValue, true)

            // Detach: the guest loses the device, the volume is available again.
            let detach = try await cloud.compute(.DELETE, "\(path)/\(volumeID)", token: member)
            XCTAssertEqual(detach.status, 202)
            try await Self.waitUntil("the volume is available") { await volumes.status(of: volumeID) == "available" }
            try await Self.waitUntil("the mapping is gone") {
                try await cloud.compute(.GET, path, token: member).json?["volumeAttachments"]?.arrayValue?.count == 1
            }
            let remaining = try await driver.spec(of: id)?.volumes.map(\.volumeID)
            XCTAssertEqual(remaining, [second])
            try await XCTAssertEqualAsync(await volumes.attachments(ofVolume: volumeID).count, 0)
            let actions = try await cloud.compute(.GET, "/servers/\(id)/os-instance-actions", token: member)
            let names = actions.json?["instanceActions"]?.arrayValue?.compactMap { $0["action"]?.stringValue } ?? []
            XCTAssertEqual(names.filter { $0 == "attach_volume" }.count, 2)
            XCTAssertTrue(names.contains("detach_volume"))

            // Deleting the server detaches the rest and deletes what goes with it.
            try await XCTAssertEqualAsync(try await cloud.compute(.DELETE, "/servers/\(id)", token: member).status, 204)
            try await cloud.waitUntilDeleted(id)
            try await Self.waitUntil("the delete_on_termination volume is deleted") { await volumes.status(of: second) == nil }
            try await XCTAssertEqualAsync(await volumes.status(of: volumeID), "available")
            try await XCTAssertEqualAsync(await volumes.attachments.count, 0)
            let allTokens = await volumes.tokens
            XCTAssertTrue(allTokens.allSatisfy { $0 == member }, "the delete too acts with the member's token")
        }
    }

    func testRefusalsLeaveNothingBehind() async throws {
        let volumes = InMemoryVolumeClient()
        try await ComputeLiveCloud.run(hosts: 1, volumes: volumes) { cloud in
            let project = try await cloud.cloud.project("vol-no")
            let member = try await cloud.cloud.user("vol-no-member", projectID: project, role: "member")
            let reader = try await cloud.cloud.user("vol-no-reader", projectID: project, role: "reader")
            let id = try await cloud.createServer("vol-no-vm", token: member)
            try await cloud.waitFor(id, status: "ACTIVE")
            let path = "/servers/\(id)/os-volume_attachments"
            func attach(_ body: JSONValue, token: String? = nil, version: String = "2.90") async throws -> LiveCloud.Answer {
                try await cloud.compute(.POST, path, token: token ?? member, version: version, json: ["volumeAttachment": body])
            }
            let volumeID = await volumes.addVolume(projectID: project)
            let busy = await volumes.addVolume(projectID: project, status: "in-use")
            let unknown = "9a3c4e5f-0000-4000-8000-000000000002"

            let inUse = try await attach(["volumeId": .string(busy)])
            XCTAssertEqual(inUse.status, 400)
            XCTAssertEqual(
                inUse.json?["badRequest"]?["message"]?.stringValue,
                "Invalid volume: volume '\(busy)' status must be 'available'. Currently in 'in-use'")
            let missing = try await attach(["volumeId": .string(unknown)])
            XCTAssertEqual(missing.status, 404)
            XCTAssertEqual(missing.json?["itemNotFound"]?["message"]?.stringValue, "Volume \(unknown) could not be found.")
            try await XCTAssertEqualAsync(try await attach(["volumeId": "not-a-uuid"]).status, 400)
            try await XCTAssertEqualAsync(try await attach(["volumeId": .string(volumeID), "device": "vdb"]).status, 400)
            try await XCTAssertEqualAsync(
                try await attach(["volumeId": .string(volumeID), "tag": "t"], version: "2.48").status, 400, "tags from 2.49")
            try await XCTAssertEqualAsync(
                try await attach(["volumeId": .string(volumeID), "delete_on_termination": true], version: "2.78").status, 400)
            try await XCTAssertEqualAsync(try await attach(["volumeId": .string(volumeID)], token: reader).status, 403)
            try await XCTAssertEqualAsync(await volumes.status(of: volumeID), "available", "no refusal reserved the volume")
            try await XCTAssertEqualAsync(await volumes.attachments.count, 0)

            // Locked and in the wrong state: 409, nothing reserved.
            try await XCTAssertEqualAsync(try await cloud.action(id, ["lock": .null]).status, 202)
            let locked = try await attach(["volumeId": .string(volumeID)])
            XCTAssertEqual(locked.json?["conflictingRequest"]?["message"]?.stringValue, "Instance \(id) is locked")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["unlock": .null]).status, 202)
            try await XCTAssertEqualAsync(try await cloud.action(id, ["suspend": .null], token: member).status, 202)
            try await cloud.waitFor(id, status: "SUSPENDED")
            let suspended = try await attach(["volumeId": .string(volumeID)])
            XCTAssertEqual(suspended.status, 409)
            XCTAssertEqual(
                suspended.json?["conflictingRequest"]?["message"]?.stringValue,
                "Cannot 'attach_volume' instance \(id) while it is in vm_state suspended")
            try await XCTAssertEqualAsync(await volumes.attachments.count, 0)
            try await XCTAssertEqualAsync(try await cloud.action(id, ["resume": .null], token: member).status, 202)
            try await cloud.waitFor(id, status: "ACTIVE")

            // Attached once; a second attach of the same volume is refused.
            try await XCTAssertEqualAsync(try await attach(["volumeId": .string(volumeID)]).status, 200)
            try await Self.waitUntil("the volume is in-use") { await volumes.status(of: volumeID) == "in-use" }
            let again = try await attach(["volumeId": .string(volumeID)])
            XCTAssertEqual(again.status, 400)
            XCTAssertEqual(
                again.json?["badRequest"]?["message"]?.stringValue,
                "Invalid volume: volume \(volumeID) is already attached to instances: \(id)")
            let taken = try await attach(["volumeId": .string(await volumes.addVolume(projectID: project)), "device": "/dev/vdb"])
            XCTAssertEqual(taken.status, 409)
            XCTAssertEqual(
                taken.json?["conflictingRequest"]?["message"]?.stringValue, "The supplied device path (/dev/vdb) is in use.")

            // Updates: nothing but delete_on_termination may change; a swap is Cinder's, refused.
            let device = try await cloud.compute(
                .PUT, "\(path)/\(volumeID)", token: member, version: "2.85",
                json: ["volumeAttachment": ["volumeId": .string(volumeID), "device": "/dev/vdz"]])
            XCTAssertEqual(device.json?["badRequest"]?["message"]?.stringValue, "The device property is not mutable")
            let swapAsMember = try await cloud.compute(
                .PUT, "\(path)/\(volumeID)", token: member, version: "2.84",
                json: ["volumeAttachment": ["volumeId": .string(volumeID)]])
            XCTAssertEqual(swapAsMember.status, 403)
            let swap = try await cloud.compute(
                .PUT, "\(path)/\(volumeID)", version: "2.90", json: ["volumeAttachment": ["volumeId": .string(busy)]])
            XCTAssertEqual(swap.status, 409)
            XCTAssertEqual(
                swap.json?["conflictingRequest"]?["message"]?.stringValue,
                "volume \(volumeID) is not migrating; this API should only be called by Cinder")

            // Detach refusals.
            let notAttached = try await cloud.compute(.DELETE, "\(path)/\(busy)", token: member)
            XCTAssertEqual(notAttached.status, 404)
            XCTAssertEqual(
                notAttached.json?["itemNotFound"]?["message"]?.stringValue, "Instance \(id) is not attached to volume \(busy)")
            try await XCTAssertEqualAsync(try await cloud.compute(.DELETE, "\(path)/\(volumeID)", token: reader).status, 403)
            try await XCTAssertEqualAsync(await volumes.status(of: volumeID), "in-use")
        }
    }

    func testAFailedAttachDeletesTheAttachmentAndTheMapping() async throws {
        let volumes = InMemoryVolumeClient()
        try await ComputeLiveCloud.run(hosts: 1, hostFaults: ["compute1": "attach_volume=fail*1"], volumes: volumes) { cloud in
            let id = try await cloud.createServer("vol-fail-vm")
            try await cloud.waitFor(id, status: "ACTIVE")
            let shown = try await cloud.server(id)
            let adminProject = try XCTUnwrap(shown["tenant_id"]?.stringValue)
            let volumeID = await volumes.addVolume(projectID: adminProject)
            let path = "/servers/\(id)/os-volume_attachments"
            let attached = try await cloud.compute(.POST, path, json: ["volumeAttachment": ["volumeId": .string(volumeID)]])
            XCTAssertEqual(attached.status, 200)
            let requestID = try XCTUnwrap(attached.headers.first(name: "x-openstack-request-id"))
            try await Self.waitUntil("the mapping is removed") {
                try await cloud.compute(.GET, path).json?["volumeAttachments"]?.arrayValue?.isEmpty == true
            }
            try await Self.waitUntil("the volume is available again") { await volumes.status(of: volumeID) == "available" }
            try await XCTAssertEqualAsync(await volumes.attachments.count, 0)
            try await XCTAssertEqualAsync(try await cloud.fakeDriver(host: "compute1").spec(of: id)?.volumes.count, 0)
            let action = try await cloud.compute(.GET, "/servers/\(id)/os-instance-actions/\(requestID)")
            let event = try XCTUnwrap(action.json?["instanceAction"]?["events"]?.arrayValue?.first)
            XCTAssertEqual(event["event"]?.stringValue, "compute_attach_volume")
            XCTAssertEqual(event["result"]?.stringValue, "Error")

            // The next attempt works.
            let retried = try await cloud.compute(.POST, path, json: ["volumeAttachment": ["volumeId": .string(volumeID)]])
            XCTAssertEqual(retried.status, 200)
            try await Self.waitUntil("the volume is in-use") { await volumes.status(of: volumeID) == "in-use" }
        }
    }

    func testAColdMigrationConnectsTheVolumesOnTheNewHost() async throws {
        let volumes = InMemoryVolumeClient()
        try await ComputeLiveCloud.run(hosts: 2, volumes: volumes) { cloud in
            let id = try await cloud.createServer("vol-move-vm")
            let before = try await cloud.waitFor(id, status: "ACTIVE")
            let source = try XCTUnwrap(before["OS-EXT-SRV-ATTR:host"]?.stringValue)
            let project = try XCTUnwrap(before["tenant_id"]?.stringValue)
            let volumeID = await volumes.addVolume(projectID: project)
            let path = "/servers/\(id)/os-volume_attachments"
            try await XCTAssertEqualAsync(
                try await cloud.compute(.POST, path, json: ["volumeAttachment": ["volumeId": .string(volumeID)]]).status, 200)
            try await Self.waitUntil("the volume is in-use") { await volumes.status(of: volumeID) == "in-use" }
            let firstAttachment = try await XCTUnwrapAsync(await volumes.attachments(ofVolume: volumeID).first?.id)

            let live = try await cloud.action(id, ["os-migrateLive": ["host": .null, "block_migration": "auto"]])
            XCTAssertEqual(live.status, 400)
            XCTAssertEqual(
                live.json?["badRequest"]?["message"]?.stringValue,
                "Live migration of servers with volumes is not supported by this cloud yet.")

            try await XCTAssertEqualAsync(try await cloud.action(id, ["migrate": .null]).status, 202)
            let moved = try await cloud.waitFor(id, status: "VERIFY_RESIZE")
            let destination = try XCTUnwrap(moved["OS-EXT-SRV-ATTR:host"]?.stringValue)
            XCTAssertNotEqual(destination, source)
            try await XCTAssertEqualAsync(try await cloud.action(id, ["confirmResize": .null]).status, 204)
            try await cloud.waitFor(id, status: "ACTIVE")

            let guest = try await XCTUnwrapAsync(await cloud.fakeDriver(host: destination).spec(of: id))
            XCTAssertEqual(guest.volumes.map(\.volumeID), [volumeID])
            XCTAssertEqual(guest.volumes.first?.device, "/dev/vdb")
            let attachments = await volumes.attachments(ofVolume: volumeID)
            XCTAssertEqual(attachments.count, 1, "the old attachment is replaced")
            XCTAssertNotEqual(attachments.first?.id, firstAttachment)
            XCTAssertEqual(attachments.first?.connector?.host, destination)
            XCTAssertEqual(attachments.first?.status, "attached")
            try await XCTAssertEqualAsync(await volumes.status(of: volumeID), "in-use")
            let listed = try await cloud.compute(.GET, path, version: "2.89")
            XCTAssertEqual(
                listed.json?["volumeAttachments"]?.arrayValue?.first?["attachment_id"]?.stringValue, attachments.first?.id)

            // Migrated back and reverted: the volume is connected to the host the guest returns to.
            try await XCTAssertEqualAsync(try await cloud.action(id, ["migrate": .null]).status, 202)
            try await cloud.waitFor(id, status: "VERIFY_RESIZE")
            try await XCTAssertEqualAsync(try await cloud.action(id, ["revertResize": .null]).status, 202)
            let reverted = try await cloud.waitFor(id, status: "ACTIVE")
            XCTAssertEqual(reverted["OS-EXT-SRV-ATTR:host"]?.stringValue, destination)
            let afterRevert = await volumes.attachments(ofVolume: volumeID)
            XCTAssertEqual(afterRevert.count, 1)
            XCTAssertEqual(afterRevert.first?.connector?.host, destination)
            XCTAssertEqual(afterRevert.first?.status, "attached")
            try await XCTAssertEqualAsync(
                await cloud.fakeDriver(host: destination).spec(of: id)?.volumes.map(\.volumeID), [volumeID])
        }
    }

    func testWithoutBlockStorageVolumeRequestsAreRefused() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let id = try await cloud.createServer("vol-none-vm")
            try await cloud.waitFor(id, status: "ACTIVE")
            let path = "/servers/\(id)/os-volume_attachments"
            let attach = try await cloud.compute(
                .POST, path, json: ["volumeAttachment": ["volumeId": "9a3c4e5f-0000-4000-8000-000000000003"]])
            XCTAssertEqual(attach.status, 503)
            XCTAssertEqual(
                attach.json?["serviceUnavailable"]?["message"]?.stringValue,
                "The Block Storage service is not running in this cloud: volumes cannot be attached.")
            let list = try await cloud.compute(.GET, path)
            XCTAssertEqual(list.status, 200)
            XCTAssertEqual(list.json?["volumeAttachments"], [])
        }
    }

    static func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<150 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTFail("timed out waiting until \(what)")
    }
}
