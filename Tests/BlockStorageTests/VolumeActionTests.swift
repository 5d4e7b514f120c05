import AsyncHTTPClient
import Foundation
import NIOCore
import StratusKit
import StratusTestSupport
import XCTest

@testable import BlockStorage

/// The state volume actions through the Cinder v3 API, against the real scheduler, agent and file driver.
final class VolumeActionTests: XCTestCase {
    func testExtendGrowsTheFileAndRefusesBadSizesWrongStatesQuotaAndReaders() async throws {
        try await BlockStorageLiveCloud.run { live in
            let volume = try await live.createVolume(["size": 1])
            let id = try XCTUnwrap(volume["id"]?.stringValue)
            let extended = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-extend": ["new_size": 2]])
            XCTAssertEqual(extended.status, 202)
            let grown = try await live.waitForVolume(id, status: "available")
            XCTAssertEqual(grown["size"]?.intValue, 2)
            XCTAssertEqual(try Self.virtualSize(live.cloud.directory + "/volumes/thin/volume-\(id).qcow2", format: "qcow2"), 2 << 30)

            let same = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-extend": ["new_size": "2"]])
            XCTAssertEqual(same.status, 400)
            XCTAssertEqual(
                same.json?["badRequest"]?["message"]?.stringValue,
                "Invalid input received: New size for extend must be greater than current size. (current: 2, extended: 2).")
            let zero = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-extend": ["new_size": 0]])
            XCTAssertEqual(
                zero.json?["badRequest"]?["message"]?.stringValue,
                "Invalid input for field/attribute new_size. Value: 0. 0 is less than the minimum of 1")
            let missing = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-extend": [:]])
            XCTAssertEqual(
                missing.json?["badRequest"]?["message"]?.stringValue,
                "Invalid input for field/attribute os-extend. Value: {}. 'new_size' is a required property")

            // The gigabytes quota counts the growth: 2 used, 3 allowed, growing to 5 asks 3 more.
            let quota = try await live.call(
                .PUT, "/os-quota-sets/\(live.adminProjectID)", json: ["quota_set": ["gigabytes": 3]], version: nil)
            XCTAssertEqual(quota.status, 200)
            let overQuota = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-extend": ["new_size": 5]])
            XCTAssertEqual(overQuota.status, 413)
            XCTAssertEqual(
                overQuota.json?["overLimit"]?["message"]?.stringValue,
                "VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested 3G, quota is 3G and 2G has been consumed.")
            let unchanged = try await live.call(.GET, "/volumes/\(id)").json?["volume"]
            XCTAssertEqual(unchanged?["size"]?.intValue, 2)
            XCTAssertEqual(unchanged?["status"]?.stringValue, "available")

            // A volume in use may grow only from 3.42.
            _ = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-reset_status": ["status": "error"]])
            let wrongState = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-extend": ["new_size": 3]])
            XCTAssertEqual(wrongState.status, 400)
            XCTAssertEqual(
                wrongState.json?["badRequest"]?["message"]?.stringValue,
                "Invalid volume: Volume \(id) status must be '{'status': 'available'}' to extend, currently error.")

            let project = try await live.cloud.project("tenant-a")
            let member = try await live.cloud.user("alice", projectID: project, role: "member")
            let reader = try await live.cloud.user("rita", projectID: project, role: "reader")
            let own = try Self.id(try await live.createVolume(["size": 1], token: member, project: project))
            let readerExtend = try await live.call(
                .POST, "/volumes/\(own)/action", token: reader, project: project, json: ["os-extend": ["new_size": 2]])
            XCTAssertEqual(readerExtend.status, 403)
            XCTAssertEqual(
                readerExtend.json?["forbidden"]?["message"]?.stringValue, "Policy doesn't allow volume:extend to be performed.")
            let others = try await live.call(
                .POST, "/volumes/\(id)/action", token: member, project: project, json: ["os-extend": ["new_size": 9]])
            XCTAssertEqual(others.status, 404)
            let memberExtend = try await live.call(
                .POST, "/volumes/\(own)/action", token: member, project: project, json: ["os-extend": ["new_size": 2]])
            XCTAssertEqual(memberExtend.status, 202)
            let memberGrown = try await live.waitForVolume(own, status: "available", token: member, project: project)
            XCTAssertEqual(memberGrown["size"]?.intValue, 2)
        }
    }

    func testExtendBeyondThePoolLeavesTheVolumeAsItWasWithAMessage() async throws {
        try await BlockStorageLiveCloud.run { live in
            _ = try await live.call(
                .POST, "/types", json: ["volume_type": ["name": "gold", "extra_specs": ["storage_tier": "gold"]]], version: nil)
            let volume = try await live.createVolume(["size": 1, "volume_type": "gold"])
            let id = try XCTUnwrap(volume["id"]?.stringValue)
            XCTAssertEqual(volume["os-vol-host-attr:host"]?.stringValue, "stratus@file#thick")
            let tooBig = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-extend": ["new_size": 50]])
            XCTAssertEqual(tooBig.status, 202)
            let after = try await live.call(.GET, "/volumes/\(id)").json?["volume"]
            XCTAssertEqual(after?["status"]?.stringValue, "available")
            XCTAssertEqual(after?["size"]?.intValue, 1)
            let message = try await Self.latestMessage(live)
            XCTAssertEqual(message["resource_uuid"]?.stringValue, id)
            let text = try XCTUnwrap(message["user_message"]?.stringValue)
            XCTAssertTrue(text.hasPrefix("extend volume:Could not find any available weighted backend."), text)
            XCTAssertTrue(text.contains("49 GB requested"), text)
            XCTAssertEqual(try Self.virtualSize(live.cloud.directory + "/volumes/thick/volume-\(id).raw", format: "raw"), 1 << 30)
        }
    }

    func testRetypeRelabelsInPlaceMovesPoolsOnDemandAndRefusesWithoutMigration() async throws {
        try await BlockStorageLiveCloud.run { live in
            for (name, tier) in [("gold", "gold"), ("standard", "standard")] {
                let type = try await live.call(
                    .POST, "/types", json: ["volume_type": ["name": .string(name), "extra_specs": ["storage_tier": .string(tier)]]],
                    version: nil)
                XCTAssertEqual(type.status, 200)
            }
            let plain = try await live.call(.POST, "/types", json: ["volume_type": ["name": "plain"]], version: nil)
            let plainID = try XCTUnwrap(plain.json?["volume_type"]?["id"]?.stringValue)
            let volume = try await live.createVolume(["size": 1, "volume_type": "gold"])
            let id = try XCTUnwrap(volume["id"]?.stringValue)
            let rawPath = live.cloud.directory + "/volumes/thick/volume-\(id).raw"
            try Self.write("stratus retype", to: rawPath, at: 1 << 20)

            // The thick pool passes a type without extra specs: only the label changes (by id, as the CLI sends it).
            let relabel = try await live.call(
                .POST, "/volumes/\(id)/action", json: ["os-retype": ["new_type": .string(plainID), "migration_policy": "never"]])
            XCTAssertEqual(relabel.status, 202)
            var current = try await Self.volume(live, id)
            XCTAssertEqual(current["volume_type"]?.stringValue, "plain")
            XCTAssertEqual(current["os-vol-host-attr:host"]?.stringValue, "stratus@file#thick")
            XCTAssertEqual(current["status"]?.stringValue, "available")

            // The standard tier lives on the thin pool: without migration the retype fails with a message.
            let never = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-retype": ["new_type": "standard"]])
            XCTAssertEqual(never.status, 202)
            current = try await Self.volume(live, id)
            XCTAssertEqual(current["volume_type"]?.stringValue, "plain")
            XCTAssertEqual(current["status"]?.stringValue, "available")
            let message = try await Self.latestMessage(live)
            XCTAssertEqual(message["resource_uuid"]?.stringValue, id)
            XCTAssertEqual(
                message["user_message"]?.stringValue,
                "schedule allocate volume:Current backend not valid for volume \(id) with type standard, migration not allowed.")

            // On demand the data moves from thick/ to thin/ and keeps its bytes.
            let onDemand = try await live.call(
                .POST, "/volumes/\(id)/action", json: ["os-retype": ["new_type": "standard", "migration_policy": "on-demand"]])
            XCTAssertEqual(onDemand.status, 202)
            let moved = try await live.waitForVolume(id, status: "available")
            XCTAssertEqual(moved["volume_type"]?.stringValue, "standard")
            XCTAssertEqual(moved["os-vol-host-attr:host"]?.stringValue, "stratus@file#thin")
            XCTAssertEqual(moved["migration_status"]?.stringValue, "success")
            let qcowPath = live.cloud.directory + "/volumes/thin/volume-\(id).qcow2"
            XCTAssertTrue(FileManager.default.fileExists(atPath: qcowPath))
            XCTAssertFalse(FileManager.default.fileExists(atPath: rawPath))
            let copy = live.cloud.directory + "/check.raw"
            try Self.qemuImg(["convert", "-f", "qcow2", "-O", "raw", qcowPath, copy])
            XCTAssertEqual(try Self.read(count: 14, from: copy, at: 1 << 20), "stratus retype")

            // Per-type quotas move with the label: no room for one more `gold` volume.
            _ = try await live.call(
                .PUT, "/os-quota-sets/\(live.adminProjectID)", json: ["quota_set": ["volumes_gold": 0]], version: nil)
            let overQuota = try await live.call(
                .POST, "/volumes/\(id)/action", json: ["os-retype": ["new_type": "gold", "migration_policy": "on-demand"]])
            XCTAssertEqual(overQuota.status, 413)
            XCTAssertEqual(
                overQuota.json?["overLimit"]?["message"]?.stringValue,
                "VolumeLimitExceeded: Maximum number of volumes allowed (0) exceeded for quota 'volumes_gold'.")

            let sameType = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-retype": ["new_type": "standard"]])
            XCTAssertEqual(sameType.status, 400)
            XCTAssertTrue(
                sameType.json?["badRequest"]?["message"]?.stringValue?.hasPrefix("Invalid volume: Retype needs volume to be in available or in-use state") ?? false)
            let unknown = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-retype": ["new_type": "nope"]])
            XCTAssertEqual(unknown.status, 404)
            XCTAssertEqual(unknown.json?["itemNotFound"]?["message"]?.stringValue, "Volume type with name nope could not be found.")
            let badPolicy = try await live.call(
                .POST, "/volumes/\(id)/action", json: ["os-retype": ["new_type": "gold", "migration_policy": "sometimes"]])
            XCTAssertEqual(
                badPolicy.json?["badRequest"]?["message"]?.stringValue,
                "Invalid input for field/attribute migration_policy. Value: sometimes. 'sometimes' is not one of ['on-demand', 'never']")

            let project = try await live.cloud.project("tenant-a")
            let member = try await live.cloud.user("alice", projectID: project, role: "member")
            let reader = try await live.cloud.user("rita", projectID: project, role: "reader")
            let own = try Self.id(try await live.createVolume(["size": 1], token: member, project: project))
            let readerRetype = try await live.call(
                .POST, "/volumes/\(own)/action", token: reader, project: project, json: ["os-retype": ["new_type": "plain"]])
            XCTAssertEqual(readerRetype.json?["forbidden"]?["message"]?.stringValue, "Policy doesn't allow volume:retype to be performed.")
        }
    }

    func testBootableReadonlyResetStatusAndForceDelete() async throws {
        try await BlockStorageLiveCloud.run { live in
            let id = try Self.id(try await live.createVolume(["size": 1]))
            let bootable = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-set_bootable": ["bootable": "True"]])
            XCTAssertEqual(bootable.status, 200)
            let afterBootable = try await Self.volume(live, id)
            XCTAssertEqual(afterBootable["bootable"]?.stringValue, "true")
            let badFlag = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-set_bootable": ["bootable": "maybe"]])
            XCTAssertEqual(badFlag.status, 400)
            XCTAssertTrue(
                badFlag.json?["badRequest"]?["message"]?.stringValue?.hasPrefix(
                    "Invalid input for field/attribute bootable. Value: maybe. 'maybe' is not one of [True,") ?? false)

            let readonly = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-update_readonly_flag": ["readonly": true]])
            XCTAssertEqual(readonly.status, 202)
            let afterReadonly = try await Self.volume(live, id)
            XCTAssertEqual(afterReadonly["metadata"]?["readonly"]?.stringValue, "True")

            let project = try await live.cloud.project("tenant-a")
            let member = try await live.cloud.user("alice", projectID: project, role: "member")
            let own = try Self.id(try await live.createVolume(["size": 1], token: member, project: project))
            let memberReset = try await live.call(
                .POST, "/volumes/\(own)/action", token: member, project: project, json: ["os-reset_status": ["status": "error"]])
            XCTAssertEqual(memberReset.status, 403)
            XCTAssertEqual(
                memberReset.json?["forbidden"]?["message"]?.stringValue,
                "Policy doesn't allow volume_extension:volume_admin_actions:reset_status to be performed.")
            let memberForce = try await live.call(
                .POST, "/volumes/\(own)/action", token: member, project: project, json: ["os-force_delete": [:]])
            XCTAssertEqual(memberForce.status, 403)

            let badStatus = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-reset_status": ["status": "foo"]])
            XCTAssertEqual(
                badStatus.json?["badRequest"]?["message"]?.stringValue,
                "Invalid input for field/attribute status. Value: foo. 'foo' is not a 'volume_status'")
            let deleting = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-reset_status": ["status": "deleting"]])
            XCTAssertEqual(deleting.json?["badRequest"]?["message"]?.stringValue, "Cannot reset-state to deleting")
            let inUse = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-reset_status": ["status": "in-use"]])
            XCTAssertEqual(
                inUse.json?["badRequest"]?["message"]?.stringValue,
                "Cannot reset-state to in-use because volume does not have any attachments.")
            let empty = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-reset_status": [:]])
            XCTAssertEqual(empty.status, 400)

            let reset = try await live.call(
                .POST, "/volumes/\(id)/action", json: ["os-reset_status": ["status": "Maintenance", "migration_status": "none"]])
            XCTAssertEqual(reset.status, 202)
            let maintained = try await live.call(.GET, "/volumes/\(id)").json?["volume"]
            XCTAssertEqual(maintained?["status"]?.stringValue, "maintenance")
            XCTAssertEqual(maintained?["migration_status"], .null)
            let readonlyNow = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-update_readonly_flag": ["readonly": false]])
            XCTAssertEqual(
                readonlyNow.json?["badRequest"]?["message"]?.stringValue,
                "Invalid volume: Volume \(id) status must be available to update readonly flag, but current status is: maintenance.")
            let bootableNow = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-set_bootable": ["bootable": false]])
            XCTAssertEqual(
                bootableNow.json?["badRequest"]?["message"]?.stringValue, "Invalid volume: The volume cannot be updated during maintenance.")

            let plainDelete = try await live.call(.DELETE, "/volumes/\(id)")
            XCTAssertEqual(plainDelete.status, 400)
            let forced = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-force_delete": [:]])
            XCTAssertEqual(forced.status, 202)
            try await live.waitForVolumeGone(id)
            XCTAssertFalse(FileManager.default.fileExists(atPath: live.cloud.directory + "/volumes/thin/volume-\(id).qcow2"))
        }
    }

    func testImageMetadataActions() async throws {
        try await BlockStorageLiveCloud.run { live in
            let id = try Self.id(try await live.createVolume(["size": 1, "imageRef": .string(live.imageID)]))
            let shown = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-show_image_metadata": .null])
            XCTAssertEqual(shown.status, 200)
            XCTAssertEqual(shown.json?["metadata"]?["image_id"]?.stringValue, live.imageID)
            let set = try await live.call(
                .POST, "/volumes/\(id)/action", json: ["os-set_image_metadata": ["metadata": ["hw_disk_bus": "scsi"]]])
            XCTAssertEqual(set.status, 200)
            XCTAssertEqual(set.json?["metadata"]?["hw_disk_bus"]?.stringValue, "scsi")
            XCTAssertEqual(set.json?["metadata"]?["image_id"]?.stringValue, live.imageID)
            let afterSet = try await Self.volume(live, id)
            XCTAssertEqual(afterSet["volume_image_metadata"]?["hw_disk_bus"]?.stringValue, "scsi")
            let badKey = try await live.call(
                .POST, "/volumes/\(id)/action", json: ["os-set_image_metadata": ["metadata": ["bad!": "x"]]])
            XCTAssertEqual(badKey.status, 400)
            let unset = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-unset_image_metadata": ["key": "hw_disk_bus"]])
            XCTAssertEqual(unset.status, 200)
            let again = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-unset_image_metadata": ["key": "hw_disk_bus"]])
            XCTAssertEqual(again.status, 404)
            XCTAssertEqual(
                again.json?["itemNotFound"]?["message"]?.stringValue, "Glance metadata for volume/snapshot \(id) cannot be found.")

            let project = try await live.cloud.project("tenant-a")
            let member = try await live.cloud.user("alice", projectID: project, role: "member")
            let reader = try await live.cloud.user("rita", projectID: project, role: "reader")
            let own = try Self.id(try await live.createVolume(["size": 1], token: member, project: project))
            let readerShow = try await live.call(
                .POST, "/volumes/\(own)/action", token: reader, project: project, json: ["os-show_image_metadata": [:]])
            XCTAssertEqual(readerShow.status, 200)
            let readerSet = try await live.call(
                .POST, "/volumes/\(own)/action", token: reader, project: project,
                json: ["os-set_image_metadata": ["metadata": ["a": "b"]]])
            XCTAssertEqual(
                readerSet.json?["forbidden"]?["message"]?.stringValue,
                "Policy doesn't allow volume_extension:volume_image_metadata:set to be performed.")
        }
    }

    func testUploadToImageWritesTheVolumesBytesIntoAnActiveImage() async throws {
        try await BlockStorageLiveCloud.run { live in
            _ = try await live.call(
                .POST, "/types", json: ["volume_type": ["name": "gold", "extra_specs": ["storage_tier": "gold"]]], version: nil)
            let id = try Self.id(try await live.createVolume(["size": 1, "volume_type": "gold", "description": "d"]))
            let rawPath = live.cloud.directory + "/volumes/thick/volume-\(id).raw"
            try Self.write("bytes to keep", to: rawPath, at: 3 << 20)

            let started = try await live.call(
                .POST, "/volumes/\(id)/action",
                json: ["os-volume_upload_image": ["image_name": "from-volume", "disk_format": "qcow2", "force": false, "protected": false]])
            XCTAssertEqual(started.status, 202)
            let body = try XCTUnwrap(started.json?["os-volume_upload_image"])
            XCTAssertEqual(body["id"]?.stringValue, id)
            XCTAssertEqual(body["status"]?.stringValue, "uploading")
            XCTAssertEqual(body["volume_type"]?["name"]?.stringValue, "gold")
            XCTAssertEqual(body["disk_format"]?.stringValue, "qcow2")
            XCTAssertEqual(body["container_format"]?.stringValue, "bare")
            XCTAssertEqual(body["image_name"]?.stringValue, "from-volume")
            XCTAssertEqual(body["visibility"]?.stringValue, "private")
            XCTAssertEqual(body["display_description"]?.stringValue, "d")
            XCTAssertEqual(body["size"]?.intValue, 1)
            let imageID = try XCTUnwrap(body["image_id"]?.stringValue)

            _ = try await live.waitForVolume(id, status: "available")
            let image = try await Self.waitForImage(live, imageID, status: "active")
            XCTAssertEqual(image["owner"]?.stringValue, live.adminProjectID)
            XCTAssertEqual(image["disk_format"]?.stringValue, "qcow2")
            let downloaded = live.cloud.directory + "/downloaded.qcow2"
            let data = try await Self.download(live.cloud.imageURL + "/v2/images/\(imageID)/file", token: live.adminToken)
            try data.write(to: URL(fileURLWithPath: downloaded))
            XCTAssertEqual(image["size"]?.intValue, Int64(data.count))
            try Self.qemuImg(["compare", "-f", "qcow2", "-F", "raw", downloaded, rawPath])
            let staging = (try? FileManager.default.contentsOfDirectory(atPath: live.cloud.directory + "/volumes/.staging")) ?? []
            XCTAssertEqual(staging, [])

            // A format the back end cannot write: the image is deleted and a message says why.
            let vmdk = try await live.call(
                .POST, "/volumes/\(id)/action", json: ["os-volume_upload_image": ["image_name": "odd", "disk_format": "vmdk"]])
            XCTAssertEqual(vmdk.status, 202)
            let vmdkImage = try XCTUnwrap(vmdk.json?["os-volume_upload_image"]?["image_id"]?.stringValue)
            _ = try await live.waitForVolume(id, status: "available")
            let gone = try await live.cloud.call(.GET, live.cloud.imageURL + "/v2/images/\(vmdkImage)", token: live.adminToken)
            XCTAssertEqual(gone.status, 404)
            let message = try await Self.latestMessage(live)
            XCTAssertTrue(message["user_message"]?.stringValue?.hasPrefix("copy volume to image:") ?? false)

            let badFormat = try await live.call(
                .POST, "/volumes/\(id)/action", json: ["os-volume_upload_image": ["image_name": "x", "disk_format": "floppy"]])
            XCTAssertEqual(badFormat.status, 400)
            let noName = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-volume_upload_image": [:]])
            XCTAssertEqual(
                noName.json?["badRequest"]?["message"]?.stringValue,
                "Invalid input for field/attribute os-volume_upload_image. Value: {}. 'image_name' is a required property")
            _ = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-reset_status": ["status": "error"]])
            let wrongState = try await live.call(
                .POST, "/volumes/\(id)/action", json: ["os-volume_upload_image": ["image_name": "x", "force": true]])
            XCTAssertEqual(
                wrongState.json?["badRequest"]?["message"]?.stringValue,
                "Invalid volume: Volume \(id) status must be available or in-use")

            let project = try await live.cloud.project("tenant-a")
            let member = try await live.cloud.user("alice", projectID: project, role: "member")
            let reader = try await live.cloud.user("rita", projectID: project, role: "reader")
            let own = try Self.id(try await live.createVolume(["size": 1], token: member, project: project))
            let readerUpload = try await live.call(
                .POST, "/volumes/\(own)/action", token: reader, project: project,
                json: ["os-volume_upload_image": ["image_name": "x"]])
            XCTAssertEqual(
                readerUpload.json?["forbidden"]?["message"]?.stringValue,
                "Policy doesn't allow volume_extension:volume_actions:upload_image to be performed.")
            let publicUpload = try await live.call(
                .POST, "/volumes/\(own)/action", token: member, project: project,
                json: ["os-volume_upload_image": ["image_name": "x", "visibility": "public"]])
            XCTAssertEqual(
                publicUpload.json?["forbidden"]?["message"]?.stringValue,
                "Policy doesn't allow volume_extension:volume_actions:upload_public to be performed.")
            let ownAfter = try await Self.volume(live, own, token: member, project: project)
            XCTAssertEqual(ownAfter["status"]?.stringValue, "available")
        }
    }

    func testInUseVolumesExtendFrom342UploadWithForceAndResetToDetached() async throws {
        try await BlockStorageLiveCloud.run { live in
            let id = try Self.id(try await live.createVolume(["size": 1]))
            let attachment = try await live.call(
                .POST, "/attachments",
                json: ["attachment": ["volume_uuid": .string(id), "instance_uuid": "3b0e1f4e-7a70-4d1a-9b7e-0d6a7f0c1e11",
                                      "connector": ["host": "compute-1", "initiator": "iqn.test"]]])
            XCTAssertEqual(attachment.status, 200)
            let attachmentID = try XCTUnwrap(attachment.json?["attachment"]?["id"]?.stringValue)
            let completed = try await live.call(.POST, "/attachments/\(attachmentID)/action", json: ["os-complete": .null])
            XCTAssertEqual(completed.status, 204)
            _ = try await live.waitForVolume(id, status: "in-use")

            let tooOld = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-extend": ["new_size": 2]], version: "3.41")
            XCTAssertEqual(
                tooOld.json?["badRequest"]?["message"]?.stringValue,
                "Invalid volume: Volume \(id) status must be '{'status': 'available'}' to extend, currently in-use.")
            let extended = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-extend": ["new_size": 2]], version: "3.42")
            XCTAssertEqual(extended.status, 202)
            let grown = try await live.waitForVolume(id, status: "in-use")
            XCTAssertEqual(grown["size"]?.intValue, 2)

            let unforced = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-volume_upload_image": ["image_name": "x"]])
            XCTAssertEqual(unforced.json?["badRequest"]?["message"]?.stringValue, "Invalid volume: Volume \(id) status must be available")
            let forced = try await live.call(
                .POST, "/volumes/\(id)/action",
                json: ["os-volume_upload_image": ["image_name": "attached", "disk_format": "qcow2", "force": "true"]])
            XCTAssertEqual(forced.status, 202)
            let imageID = try XCTUnwrap(forced.json?["os-volume_upload_image"]?["image_id"]?.stringValue)
            _ = try await live.waitForVolume(id, status: "in-use")
            _ = try await Self.waitForImage(live, imageID, status: "active")

            let reset = try await live.call(.POST, "/volumes/\(id)/action", json: ["os-reset_status": ["attach_status": "detached"]])
            XCTAssertEqual(reset.status, 202)
            let detached = try await Self.volume(live, id)
            XCTAssertEqual(detached["status"]?.stringValue, "available")
            XCTAssertEqual(detached["attachments"]?.arrayValue?.count, 0)
            let attachments = try await live.call(.GET, "/attachments?volume_id=\(id)")
            XCTAssertEqual(attachments.json?["attachments"]?.arrayValue?.count, 0)
        }
    }

    func testTwoActionsAtOnceOnOneVolumeLetOnlyOneThrough() async throws {
        try await BlockStorageLiveCloud.run { live in
            let id = try Self.id(try await live.createVolume(["size": 1]))
            async let first = live.call(.POST, "/volumes/\(id)/action", json: ["os-extend": ["new_size": 2]])
            async let second = live.call(.POST, "/volumes/\(id)/action", json: ["os-extend": ["new_size": 3]])
            let extends = try await [first.status, second.status].sorted()
            XCTAssertEqual(extends, [202, 400])
            let size = try await live.waitForVolume(id, status: "available")["size"]?.intValue
            XCTAssertTrue(size == 2 || size == 3, "\(String(describing: size))")

            async let upload = live.call(
                .POST, "/volumes/\(id)/action", json: ["os-volume_upload_image": ["image_name": "a", "disk_format": "qcow2"]])
            async let flag = live.call(.POST, "/volumes/\(id)/action", json: ["os-update_readonly_flag": ["readonly": true]])
            let (uploaded, flagged) = try await (upload, flag)
            XCTAssertEqual(uploaded.status, 202)
            XCTAssertTrue([202, 400].contains(flagged.status), "\(flagged.status)")
            _ = try await live.waitForVolume(id, status: "available")
            let images = try await live.cloud.call(.GET, live.cloud.imageURL + "/v2/images?name=a", token: live.adminToken)
            XCTAssertEqual(images.json?["images"]?.arrayValue?.count, 1)
        }
    }

    // MARK: - Helpers

    static func id(_ volume: JSONValue) throws -> String {
        try XCTUnwrap(volume["id"]?.stringValue)
    }

    static func volume(_ live: BlockStorageLiveCloud, _ id: String, token: String? = nil, project: String? = nil)
        async throws -> JSONValue
    {
        let answer = try await live.call(.GET, "/volumes/\(id)", token: token, project: project)
        return try XCTUnwrap(answer.json?["volume"])
    }

    /// The newest user message of the admin's project.
    static func latestMessage(_ live: BlockStorageLiveCloud) async throws -> JSONValue {
        let answer = try await live.call(.GET, "/messages", version: "3.3")
        return try XCTUnwrap(answer.json?["messages"]?.arrayValue?.first)
    }

    static func waitForImage(_ live: BlockStorageLiveCloud, _ id: String, status: String) async throws -> JSONValue {
        var last: JSONValue?
        for _ in 0..<400 {
            last = try await live.cloud.call(.GET, live.cloud.imageURL + "/v2/images/\(id)", token: live.adminToken).json
            if last?["status"]?.stringValue == status { return last! }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("image \(id) did not become \(status): \(String(describing: last))")
    }

    static func download(_ url: String, token: String) async throws -> Data {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "X-Auth-Token", value: token)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 64 << 20)
        guard response.status.code == 200 else { throw TestFailure("download \(url): \(response.status)") }
        return Data(Array(buffer: body))
    }

    static func qemuImg(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/qemu-img")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestFailure("qemu-img \(arguments.joined(separator: " ")) failed: \(text)")
        }
    }

    static func virtualSize(_ path: String, format: String) throws -> Int64? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/qemu-img")
        process.arguments = ["info", "-f", format, "--output=json", path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try JSONValue.parse(data)["virtual-size"]?.intValue
    }

    static func write(_ text: String, to path: String, at offset: UInt64) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        try handle.write(contentsOf: Data(text.utf8))
    }

    static func read(count: Int, from path: String, at offset: UInt64) throws -> String {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        return String(decoding: try handle.read(upToCount: count) ?? Data(), as: UTF8.self)
    }
}
