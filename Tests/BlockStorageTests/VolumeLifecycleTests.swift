import Foundation
import StratusKit
import StratusTestSupport
import XCTest

@testable import BlockStorage

/// Volumes through the Cinder v3 API against the real scheduler, agent and file driver.
final class VolumeLifecycleTests: XCTestCase {
    func testVersionDocumentsAnswerWithoutAToken() async throws {
        try await BlockStorageLiveCloud.run { live in
            for path in ["/v3/", "/v3"] {
                let answer = try await live.cloud.call(.GET, live.url + path, token: nil)
                XCTAssertEqual(answer.status, 200, path)
                let version = answer.json?["versions"]?.arrayValue?.first
                XCTAssertEqual(version?["id"]?.stringValue, "v3.0")
                XCTAssertEqual(version?["version"]?.stringValue, "3.70")
                XCTAssertEqual(version?["min_version"]?.stringValue, "3.0")
            }
            let root = try await live.cloud.call(.GET, live.url + "/", token: nil)
            XCTAssertEqual(root.status, 300)
            let tooNew = try await live.call(.GET, "/volumes", version: "3.99")
            XCTAssertEqual(tooNew.status, 406)
            XCTAssertEqual(
                tooNew.json?["computeFault"]?["message"]?.stringValue,
                "Version 3.99 is not supported by the API. Minimum is 3.0 and maximum is 3.70.")
        }
    }

    func testCreateShowListAndDeleteAnEmptyVolume() async throws {
        try await BlockStorageLiveCloud.run { live in
            let created = try await live.call(
                .POST, "/volumes", json: ["volume": ["size": 1, "name": "data", "metadata": ["k": "v"], "imageRef": .null]])
            XCTAssertEqual(created.status, 202)
            let id = try XCTUnwrap(created.json?["volume"]?["id"]?.stringValue)
            XCTAssertEqual(created.json?["volume"]?["status"]?.stringValue, "creating")
            let volume = try await live.waitForVolume(id, status: "available")
            XCTAssertEqual(volume["size"]?.intValue, 1)
            XCTAssertEqual(volume["bootable"]?.stringValue, "false")
            XCTAssertEqual(volume["volume_type"]?.stringValue, "__DEFAULT__")
            XCTAssertEqual(volume["metadata"]?["k"]?.stringValue, "v")
            XCTAssertEqual(volume["attachments"]?.arrayValue?.count, 0)
            XCTAssertEqual(volume["os-vol-tenant-attr:tenant_id"]?.stringValue, live.adminProjectID)
            let host = try XCTUnwrap(volume["os-vol-host-attr:host"]?.stringValue)
            XCTAssertTrue(host.hasPrefix("stratus@file#"), host)
            XCTAssertEqual(volume["consumes_quota"]?.boolValue, true)
            // The thin pool has far more room, so the CapacityWeigher puts the volume there.
            XCTAssertEqual(host, "stratus@file#thin")
            XCTAssertTrue(FileManager.default.fileExists(atPath: live.cloud.directory + "/volumes/thin/volume-\(id).qcow2"))

            let summary = try await live.call(.GET, "/volumes")
            XCTAssertEqual(summary.json?["volumes"]?.arrayValue?.map { $0["id"]?.stringValue }, [id])
            XCTAssertNil(summary.json?["volumes"]?.arrayValue?.first?["status"])
            let detail = try await live.call(.GET, "/volumes/detail?name=data")
            XCTAssertEqual(detail.json?["volumes"]?.arrayValue?.first?["status"]?.stringValue, "available")
            let noProjectInURL = try await live.cloud.call(
                .GET, live.url + "/v3/volumes/\(id)", token: live.adminToken, headers: ["OpenStack-API-Version": "volume 3.70"])
            XCTAssertEqual(noProjectInURL.status, 200)

            let deleted = try await live.call(.DELETE, "/volumes/\(id)")
            XCTAssertEqual(deleted.status, 202)
            try await live.waitForVolumeGone(id)
            XCTAssertFalse(FileManager.default.fileExists(atPath: live.cloud.directory + "/volumes/thin/volume-\(id).qcow2"))
            let missing = try await live.call(.GET, "/volumes/\(id)")
            XCTAssertEqual(missing.json?["itemNotFound"]?["message"]?.stringValue, "Volume \(id) could not be found.")
        }
    }

    func testBadCreateBodiesAreRefusedAndWriteNothing() async throws {
        try await BlockStorageLiveCloud.run { live in
            let zero = try await live.call(.POST, "/volumes", json: ["volume": ["size": 0]])
            XCTAssertEqual(zero.status, 400)
            XCTAssertNotNil(zero.json?["badRequest"]?["message"]?.stringValue)
            let noSize = try await live.call(.POST, "/volumes", json: ["volume": ["name": "x"]])
            XCTAssertEqual(noSize.status, 400)
            let badType = try await live.call(.POST, "/volumes", json: ["volume": ["size": 1, "volume_type": "nope"]])
            XCTAssertEqual(badType.status, 404)
            let badZone = try await live.call(.POST, "/volumes", json: ["volume": ["size": 1, "availability_zone": "mars"]])
            XCTAssertEqual(badZone.status, 400)
            XCTAssertEqual(badZone.json?["badRequest"]?["message"]?.stringValue, "Availability zone 'mars' is invalid.")
            let extra = try await live.call(.POST, "/volumes", json: ["volume": ["size": 1, "colour": "red"]])
            XCTAssertEqual(extra.status, 400)
            let list = try await live.call(.GET, "/volumes")
            XCTAssertEqual(list.json?["volumes"]?.arrayValue?.count, 0)
        }
    }

    func testAVolumeBiggerThanEveryPoolFailsWithTheCapacityFiltersNumbersAndReleasesQuota() async throws {
        try await BlockStorageLiveCloud.run { live in
            let created = try await live.call(.POST, "/volumes", json: ["volume": ["size": 900, "name": "huge"]])
            XCTAssertEqual(created.status, 202)
            let id = try XCTUnwrap(created.json?["volume"]?["id"]?.stringValue)
            let volume = try await live.waitForVolume(id, status: "error")
            XCTAssertEqual(volume["consumes_quota"]?.boolValue, false)
            let messages = try await live.call(.GET, "/messages", version: "3.3")
            let message = try XCTUnwrap(messages.json?["messages"]?.arrayValue?.first)
            XCTAssertEqual(message["resource_uuid"]?.stringValue, id)
            XCTAssertEqual(message["event_id"]?.stringValue, "VOLUME_VOLUME_001_003")
            let text = try XCTUnwrap(message["user_message"]?.stringValue)
            XCTAssertTrue(text.hasPrefix("schedule allocate volume:Could not find any available weighted backend."), text)
            XCTAssertTrue(text.contains("CapacityFilter removed 2 of 2 pools"), text)
            XCTAssertTrue(text.contains("900 GB requested"), text)
            // The failed volume does not count: a quota of one volume still allows one.
            let quota = try await live.call(
                .PUT, "/os-quota-sets/\(live.adminProjectID)", json: ["quota_set": ["volumes": 1]], version: nil)
            XCTAssertEqual(quota.status, 200)
            _ = try await live.createVolume(["size": 1])
        }
    }

    func testAVolumeTypeWithACapabilityLandsOnTheMatchingPool() async throws {
        try await BlockStorageLiveCloud.run { live in
            let type = try await live.call(
                .POST, "/types", json: ["volume_type": ["name": "gold", "extra_specs": ["storage_tier": "gold"]]], version: nil)
            XCTAssertEqual(type.status, 200)
            let volume = try await live.createVolume(["size": 1, "volume_type": "gold"])
            XCTAssertEqual(volume["os-vol-host-attr:host"]?.stringValue, "stratus@file#thick")
            XCTAssertEqual(volume["volume_type"]?.stringValue, "gold")
            let thin = try await live.call(
                .POST, "/types", json: ["volume_type": ["name": "thin-only", "extra_specs": ["capabilities:thin_provisioning_support": "<is> True"]]],
                version: nil)
            XCTAssertEqual(thin.status, 200)
            let onThin = try await live.createVolume(["size": 1, "volume_type": "thin-only"])
            XCTAssertEqual(onThin["os-vol-host-attr:host"]?.stringValue, "stratus@file#thin")
        }
    }

    func testQuotaOfTwoVolumesRefusesTheThirdWith413() async throws {
        try await BlockStorageLiveCloud.run { live in
            let set = try await live.call(
                .PUT, "/os-quota-sets/\(live.adminProjectID)", json: ["quota_set": ["volumes": 2]], version: nil)
            XCTAssertEqual(set.status, 200)
            XCTAssertEqual(set.json?["quota_set"]?["volumes"]?.intValue, 2)
            _ = try await live.createVolume(["size": 1])
            _ = try await live.createVolume(["size": 1])
            let third = try await live.call(.POST, "/volumes", json: ["volume": ["size": 1]])
            XCTAssertEqual(third.status, 413)
            XCTAssertEqual(
                third.json?["overLimit"]?["message"]?.stringValue,
                "VolumeLimitExceeded: Maximum number of volumes allowed (2) exceeded for quota 'volumes'.")
            XCTAssertEqual(third.headers.first(name: "Retry-After"), "0")
            XCTAssertEqual(third.json?["overLimit"]?["retryAfter"]?.stringValue, "0")
            let remaining = try await live.call(.GET, "/volumes")
            XCTAssertEqual(remaining.json?["volumes"]?.arrayValue?.count, 2)
        }
    }

    func testAMemberSeesOnlyItsOwnProjectsVolumesAndAReaderCannotCreate() async throws {
        try await BlockStorageLiveCloud.run { live in
            let adminVolume = try await live.createVolume(["size": 1, "name": "admins"])
            let adminVolumeID = try XCTUnwrap(adminVolume["id"]?.stringValue)
            let project = try await live.cloud.project("tenant-a")
            let member = try await live.cloud.user("alice", projectID: project, role: "member")
            let own = try await live.createVolume(["size": 1, "name": "alices"], token: member, project: project)
            XCTAssertNil(own["os-vol-host-attr:host"], "the host is for admins only")
            let list = try await live.call(.GET, "/volumes/detail?all_tenants=1", token: member, project: project)
            XCTAssertEqual(list.json?["volumes"]?.arrayValue?.map { $0["name"]?.stringValue }, ["alices"])
            let other = try await live.call(.GET, "/volumes/\(adminVolumeID)", token: member, project: project)
            XCTAssertEqual(other.status, 404)
            let otherDelete = try await live.call(.DELETE, "/volumes/\(adminVolumeID)", token: member, project: project)
            XCTAssertEqual(otherDelete.status, 404)
            let wrongURL = try await live.call(.GET, "/volumes", token: member, project: live.adminProjectID)
            XCTAssertEqual(wrongURL.status, 400)
            XCTAssertEqual(wrongURL.json?["badRequest"]?["message"]?.stringValue, "Malformed request url")
            let reader = try await live.cloud.user("rita", projectID: project, role: "reader")
            let readerCreate = try await live.call(.POST, "/volumes", token: reader, project: project, json: ["volume": ["size": 1]])
            XCTAssertEqual(readerCreate.status, 403)
            XCTAssertEqual(
                readerCreate.json?["forbidden"]?["message"]?.stringValue, "Policy doesn't allow volume:create to be performed.")
            let readerList = try await live.call(.GET, "/volumes", token: reader, project: project)
            XCTAssertEqual(readerList.json?["volumes"]?.arrayValue?.count, 1)
            let adminAll = try await live.call(.GET, "/volumes?all_tenants=True")
            XCTAssertEqual(adminAll.json?["volumes"]?.arrayValue?.count, 2)
        }
    }

    func testVolumesFromAnImageAndFromAnotherVolume() async throws {
        try await BlockStorageLiveCloud.run { live in
            let fromImage = try await live.createVolume(["size": 1, "imageRef": .string(live.imageID), "name": "boot"])
            XCTAssertEqual(fromImage["bootable"]?.stringValue, "true")
            XCTAssertEqual(fromImage["volume_image_metadata"]?["image_id"]?.stringValue, live.imageID)
            XCTAssertEqual(fromImage["volume_image_metadata"]?["disk_format"]?.stringValue, "qcow2")
            let sourceID = try XCTUnwrap(fromImage["id"]?.stringValue)
            let clone = try await live.createVolume(["source_volid": .string(sourceID), "name": "clone"])
            XCTAssertEqual(clone["size"]?.intValue, 1)
            XCTAssertEqual(clone["source_volid"]?.stringValue, sourceID)
            XCTAssertEqual(clone["bootable"]?.stringValue, "true")
            XCTAssertEqual(clone["os-vol-host-attr:host"]?.stringValue, fromImage["os-vol-host-attr:host"]?.stringValue)
            let tooSmall = try await live.call(.POST, "/volumes", json: ["volume": ["source_volid": .string(sourceID), "size": 0]])
            XCTAssertEqual(tooSmall.status, 400)
            let missingImage = try await live.call(
                .POST, "/volumes", json: ["volume": ["size": 1, "imageRef": "00000000-0000-0000-0000-000000000000"]])
            XCTAssertEqual(missingImage.status, 400)
        }
    }

    func testListSortsPagesAndCounts() async throws {
        try await BlockStorageLiveCloud.run { live in
            for name in ["b", "a", "c"] { _ = try await live.createVolume(["size": 1, "name": .string(name)]) }
            let sorted = try await live.call(.GET, "/volumes?sort=name:asc")
            XCTAssertEqual(sorted.json?["volumes"]?.arrayValue?.map { $0["name"]?.stringValue }, ["a", "b", "c"])
            let page = try await live.call(.GET, "/volumes?sort_key=name&sort_dir=asc&limit=2&with_count=true")
            XCTAssertEqual(page.json?["volumes"]?.arrayValue?.map { $0["name"]?.stringValue }, ["a", "b"])
            XCTAssertEqual(page.json?["count"]?.intValue, 3)
            let next = try XCTUnwrap(page.json?["volumes_links"]?.arrayValue?.first?["href"]?.stringValue)
            XCTAssertTrue(next.contains("marker="), next)
            let marker = try XCTUnwrap(page.json?["volumes"]?.arrayValue?.last?["id"]?.stringValue)
            let rest = try await live.call(.GET, "/volumes?sort_key=name&sort_dir=asc&limit=2&marker=\(marker)")
            XCTAssertEqual(rest.json?["volumes"]?.arrayValue?.map { $0["name"]?.stringValue }, ["c"])
            let both = try await live.call(.GET, "/volumes?sort=name&sort_key=name")
            XCTAssertEqual(both.status, 400)
        }
    }

    func testListFiltersOnMetadata() async throws {
        try await BlockStorageLiveCloud.run { live in
            _ = try await live.createVolume(["size": 1, "name": "gold", "metadata": ["tier": "gold", "team": "a b"]])
            _ = try await live.createVolume(["size": 1, "name": "plain", "metadata": ["tier": "plain"]])
            let filter = "{\"tier\": \"gold\", \"team\": \"a b\"}".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let gold = try await live.call(.GET, "/volumes/detail?metadata=\(filter)")
            XCTAssertEqual(gold.json?["volumes"]?.arrayValue?.map { $0["name"]?.stringValue }, ["gold"])
            let python = "{'tier': 'plain'}".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let plain = try await live.call(.GET, "/volumes?metadata=\(python)")
            XCTAssertEqual(plain.json?["volumes"]?.arrayValue?.map { $0["name"]?.stringValue }, ["plain"])
            let quoted = "{\"tier\": \"x\\\" OR 1=1 --\"}".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let none = try await live.call(.GET, "/volumes?metadata=\(quoted)")
            XCTAssertEqual(none.status, 200)
            XCTAssertEqual(none.json?["volumes"]?.arrayValue?.count, 0)
        }
    }
}
