import Foundation
import StratusKit
import StratusTestSupport
import XCTest

/// Deferred delete: with `compute.reclaim_instance_interval` set, a delete leaves the server
/// SOFT_DELETED (powered off, restorable, not counted in quota), `restore` brings it back,
/// `forceDelete` removes it at once, and its host reclaims it once the interval has passed.
final class SoftDeleteTests: XCTestCase {
    func testDeleteIsDeferredAndRestoreBringsTheServerBack() async throws {
        try await ComputeLiveCloud.run(hosts: 1, config: ["compute.reclaim_instance_interval": "3600"]) { cloud in
            let id = try await cloud.createServer("keep-me")
            try await cloud.waitFor(id, status: "ACTIVE")
            let notYet = try await cloud.action(id, ["restore": nil])
            XCTAssertEqual(notYet.status, 409)
            XCTAssertEqual(
                notYet.json?["conflictingRequest"]?["message"]?.stringValue,
                "Cannot 'restore' instance \(id) while it is in vm_state active")

            try await XCTAssertEqualAsync(try await cloud.compute(.DELETE, "/servers/\(id)").status, 204)
            let deleted = try await cloud.waitFor(id, status: "SOFT_DELETED")
            XCTAssertEqual(deleted["OS-EXT-STS:vm_state"]?.stringValue, "soft-delete")
            XCTAssertEqual(deleted["OS-EXT-STS:power_state"]?.intValue, 4, "powered off")
            let portsKept = try await cloud.ports(deviceID: id)
            XCTAssertEqual(portsKept.count, 1, "its port stays until it is reclaimed")
            let listed = try await cloud.compute(.GET, "/servers/detail?status=SOFT_DELETED")
            XCTAssertEqual(listed.json?["servers"]?.arrayValue?.compactMap { $0["id"]?.stringValue }, [id])

            // Soft-deleted servers do not count: with a quota of one instance, another fits,
            // and then the restore is refused until that one is gone.
            let project = try XCTUnwrap(deleted["tenant_id"]?.stringValue)
            let quota = try await cloud.compute(.PUT, "/os-quota-sets/\(project)", json: ["quota_set": ["instances": 1]])
            XCTAssertEqual(quota.status, 200)
            let other = try await cloud.createServer("other")
            try await cloud.waitFor(other, status: "ACTIVE")
            let overQuota = try await cloud.action(id, ["restore": nil])
            XCTAssertEqual(overQuota.status, 403)
            let forced = try await cloud.action(other, ["forceDelete": nil])
            XCTAssertEqual(forced.status, 202)
            try await cloud.waitUntilDeleted(other)

            let restored = try await cloud.action(id, ["restore": nil])
            XCTAssertEqual(restored.status, 202)
            let active = try await cloud.waitFor(id, status: "ACTIVE")
            XCTAssertEqual(active["OS-EXT-STS:power_state"]?.intValue, 1)
            let actions = try await cloud.compute(.GET, "/servers/\(id)/os-instance-actions")
            XCTAssertEqual(
                actions.json?["instanceActions"]?.arrayValue?.compactMap { $0["action"]?.stringValue }.sorted(),
                ["create", "delete", "restore"])
        }
    }

    func testASoftDeletedServerIsReclaimedOrForceDeleted() async throws {
        try await ComputeLiveCloud.run(hosts: 1, config: ["compute.reclaim_instance_interval": "2"]) { cloud in
            let reclaimed = try await cloud.createServer("reclaimed")
            let forced = try await cloud.createServer("forced")
            try await cloud.waitFor(reclaimed, status: "ACTIVE")
            try await cloud.waitFor(forced, status: "ACTIVE")
            for id in [reclaimed, forced] {
                try await XCTAssertEqualAsync(try await cloud.compute(.DELETE, "/servers/\(id)").status, 204)
                try await cloud.waitFor(id, status: "SOFT_DELETED")
            }
            let forceDeleted = try await cloud.action(forced, ["forceDelete": nil])
            XCTAssertEqual(forceDeleted.status, 202)
            try await cloud.waitUntilDeleted(forced, timeout: .seconds(2))
            // The other goes once the 2 s have passed (the host checks every 2 s).
            try await cloud.waitUntilDeleted(reclaimed, timeout: .seconds(10))
            for id in [reclaimed, forced] {
                let ports = try await cloud.ports(deviceID: id)
                let allocations = try await cloud.allocations(consumer: id)
                XCTAssertEqual(ports.count, 0)
                XCTAssertTrue(allocations.isEmpty)
            }
        }
    }

    func testWithoutAnIntervalDeletesAreImmediateAndForceDeleteChecksTheTask() async throws {
        try await ComputeLiveCloud.run(hosts: 1) { cloud in
            let id = try await cloud.createServer("plain")
            try await cloud.waitFor(id, status: "ACTIVE")
            let project = try await cloud.cloud.project("others")
            let outsider = try await cloud.cloud.user("outsider", projectID: project, role: "member")
            let refused = try await cloud.action(id, ["forceDelete": nil], token: outsider)
            XCTAssertEqual(refused.status, 404, "another project's server is not found")
            try await XCTAssertEqualAsync(try await cloud.compute(.DELETE, "/servers/\(id)").status, 204)
            try await cloud.waitUntilDeleted(id)
        }
    }
}
