import Foundation
import HTTPTypes
import ObjectStorage
import StratusKit
import Synchronization
import XCTest

final class AccountServerTests: XCTestCase {
    func testAccountLifeCycle() async throws {
        try await StorageTestCluster.run { cluster in
            var response = try await cluster.account(.get, "AUTH_test")
            XCTAssertEqual(response.status, 404, "accounts are not created by listing them")
            response = try await cluster.account(.head, "AUTH_test")
            XCTAssertEqual(response.status, 404)
            response = try await cluster.account(.put, "AUTH_test")
            XCTAssertEqual(response.status, 400)
            XCTAssertEqual(response.body, "Missing X-Timestamp header")
            response = try await cluster.account(.put, "AUTH_test", headers: ["X-Timestamp": ts(1), "X-Account-Meta-Subject": "Literature"])
            XCTAssertEqual(response.status, 201)
            response = try await cluster.account(.put, "AUTH_test", headers: ["X-Timestamp": ts(2)])
            XCTAssertEqual(response.status, 202)
            response = try await cluster.account(.head, "AUTH_test")
            XCTAssertEqual(response.status, 204)
            XCTAssertEqual(response.header("X-Account-Container-Count"), "0")
            XCTAssertEqual(response.header("X-Account-Object-Count"), "0")
            XCTAssertEqual(response.header("X-Account-Bytes-Used"), "0")
            XCTAssertEqual(response.header("X-PUT-Timestamp"), ts(2))
            XCTAssertEqual(response.header("X-Account-Meta-Subject"), "Literature")
            XCTAssertEqual(response.header("Content-Type"), "text/plain; charset=utf-8")
            response = try await cluster.account(.get, "AUTH_test")
            XCTAssertEqual(response.status, 204)
            response = try await cluster.account(.get, "AUTH_test?format=json")
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.body, "[]")
            response = try await cluster.account(.get, "AUTH_test?format=xml")
            XCTAssertEqual(response.body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<account name=\"AUTH_test\">\n</account>")
            // Metadata: set, replaced by newer, removed by empty.
            response = try await cluster.account(.post, "AUTH_test", headers: ["X-Timestamp": ts(3), "X-Account-Meta-Subject": "", "X-Account-Meta-Book": "MobyDick"])
            XCTAssertEqual(response.status, 204)
            response = try await cluster.account(.head, "AUTH_test")
            XCTAssertNil(response.header("X-Account-Meta-Subject"))
            XCTAssertEqual(response.header("X-Account-Meta-Book"), "MobyDick")
            // Delete: 204 with the status, then 404 everywhere, and a PUT cannot bring it back.
            response = try await cluster.account(.delete, "AUTH_test")
            XCTAssertEqual(response.status, 400)
            response = try await cluster.account(.delete, "AUTH_test", headers: ["X-Timestamp": ts(4)])
            XCTAssertEqual(response.status, 204)
            XCTAssertEqual(response.header("X-Account-Status"), "Deleted")
            response = try await cluster.account(.head, "AUTH_test")
            XCTAssertEqual(response.status, 404)
            XCTAssertEqual(response.header("X-Account-Status"), "Deleted")
            response = try await cluster.account(.delete, "AUTH_test", headers: ["X-Timestamp": ts(5)])
            XCTAssertEqual(response.status, 404)
            response = try await cluster.account(.post, "AUTH_test", headers: ["X-Timestamp": ts(5)])
            XCTAssertEqual(response.status, 404)
            response = try await cluster.account(.put, "AUTH_test", headers: ["X-Timestamp": ts(6)])
            XCTAssertEqual(response.status, 403)
            XCTAssertEqual(response.body, "Recently deleted")
            response = try await StorageTestCluster.send(cluster.accountClient, .get, "/sda1/0/AUTH_test/c", headers: [:])
            XCTAssertEqual(response.status, 400)
            response = try await StorageTestCluster.send(cluster.accountClient, .head, "/nodev/0/AUTH_test", headers: [:])
            XCTAssertEqual(response.status, 507)
        }
    }

    func testAccountStatsFollowContainerUpdates() async throws {
        try await StorageTestCluster.run { cluster in
            try await cluster.account(.put, "AUTH_test", headers: ["X-Timestamp": ts(1)])
            var response = try await cluster.createContainer("photos", at: ts(2))
            XCTAssertEqual(response.status, 201)
            response = try await cluster.createContainer("logs-2024", at: ts(3))
            XCTAssertEqual(response.status, 201)
            response = try await cluster.account(.get, "AUTH_test")
            XCTAssertEqual(response.lines, ["logs-2024", "photos"])
            // Object rows change the container; its next PUT reports the new stats.
            try await cluster.putObject("AUTH_test/photos/a.jpg", at: ts(4), size: 30)
            try await cluster.putObject("AUTH_test/photos/b.jpg", at: ts(5), size: 12)
            response = try await cluster.createContainer("photos", at: ts(6))
            XCTAssertEqual(response.status, 202)
            response = try await cluster.account(.head, "AUTH_test")
            XCTAssertEqual(response.header("X-Account-Container-Count"), "2")
            XCTAssertEqual(response.header("X-Account-Object-Count"), "2")
            XCTAssertEqual(response.header("X-Account-Bytes-Used"), "42")
            XCTAssertEqual(response.header("X-Account-Storage-Policy-Policy-0-Container-Count"), "2")
            XCTAssertEqual(response.header("X-Account-Storage-Policy-Policy-0-Bytes-Used"), "42")
            response = try await cluster.account(.get, "AUTH_test?format=json&prefix=ph")
            XCTAssertEqual(
                response.body,
                #"[{"name": "photos", "count": 2, "bytes": 42, "last_modified": "2023-11-14T22:13:26.000000", "storage_policy": "Policy-0"}]"#)
            response = try await cluster.account(.get, "AUTH_test?format=xml&delimiter=-")
            XCTAssertEqual(
                response.body,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<account name=\"AUTH_test\">\n<subdir name=\"logs-\" />\n<container><name>photos</name><count>2</count><bytes>42</bytes><last_modified>2023-11-14T22:13:26.000000</last_modified><storage_policy>Policy-0</storage_policy></container>\n</account>")
            response = try await cluster.account(.get, "AUTH_test?reverse=true&limit=1")
            XCTAssertEqual(response.lines, ["photos"])
            response = try await cluster.account(.get, "AUTH_test?end_marker=photos")
            XCTAssertEqual(response.lines, ["logs-2024"])
            response = try await cluster.account(.get, "AUTH_test?limit=10001")
            XCTAssertEqual(response.status, 412)
            // Deleting the emptied container removes it from the account.
            try await cluster.container(.delete, "AUTH_test/logs-2024", headers: StorageTestCluster.accountHeaders.merging(["X-Timestamp": ts(7)]) { $1 })
            response = try await cluster.account(.head, "AUTH_test")
            XCTAssertEqual(response.header("X-Account-Container-Count"), "1")
            response = try await cluster.account(.get, "AUTH_test")
            XCTAssertEqual(response.lines, ["photos"])
        }
    }

    func testContainerReportsAsContainerServersSendThem() async throws {
        try await StorageTestCluster.run { cluster in
            let report = { (put: String, delete: String, count: Int, bytes: Int) in
                ["X-Put-Timestamp": put, "X-Delete-Timestamp": delete, "X-Object-Count": String(count), "X-Bytes-Used": String(bytes)]
            }
            var response = try await cluster.account(.put, "AUTH_test/c", headers: report(ts(1), "0", 0, 0))
            XCTAssertEqual(response.status, 404, "no account")
            try await cluster.account(.put, "AUTH_test", headers: ["X-Timestamp": ts(1)])
            response = try await cluster.account(.put, "AUTH_test/c", headers: report(ts(2), "0", 3, 30))
            XCTAssertEqual(response.status, 201)
            response = try await cluster.account(.put, "AUTH_test/c", headers: ["X-Put-Timestamp": ts(2)])
            XCTAssertEqual(response.status, 400)
            // An older report keeps the newer put timestamp (its counts are taken, as in Swift).
            response = try await cluster.account(.put, "AUTH_test/c", headers: report(ts(1), "0", 4, 40))
            response = try await cluster.account(.get, "AUTH_test?format=json")
            XCTAssertEqual(JSONValue.parse(response.body)?.arrayValue?.first?["last_modified"]?.stringValue, "2023-11-14T22:13:22.000000")
            XCTAssertEqual(JSONValue.parse(response.body)?.arrayValue?.first?["count"]?.intValue, 4)
            // A delete report (newer than the put, no objects) is 204 and removes the container.
            response = try await cluster.account(.put, "AUTH_test/c", headers: report(ts(2), ts(3), 0, 0))
            XCTAssertEqual(response.status, 204)
            response = try await cluster.account(.head, "AUTH_test")
            XCTAssertEqual(response.header("X-Account-Container-Count"), "0")
            // A put report older than that delete does not revive it.
            response = try await cluster.account(.put, "AUTH_test/c", headers: report(ts(2.5), "0", 0, 0))
            response = try await cluster.account(.head, "AUTH_test")
            XCTAssertEqual(response.header("X-Account-Container-Count"), "0")
            // Internal accounts are created by their first report.
            response = try await cluster.account(.put, ".expiring_objects/1700000000", headers: report(ts(5), "0", 1, 0))
            XCTAssertEqual(response.status, 201)
            // A deleted account takes reports only when told to.
            try await cluster.account(.delete, "AUTH_test", headers: ["X-Timestamp": ts(9)])
            response = try await cluster.account(.put, "AUTH_test/d", headers: report(ts(10), "0", 0, 0))
            XCTAssertEqual(response.status, 404)
            response = try await cluster.account(
                .put, "AUTH_test/d", headers: report(ts(10), "0", 0, 0).merging(["X-Account-Override-Deleted": "yes"]) { $1 })
            XCTAssertEqual(response.status, 201)
        }
    }

    func testAccountRowsMergeAndReplicate() async throws {
        let root = try StorageTestCluster.makeDevicesRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let server = AccountServer(devicesRoot: root, hashPath: StorageTestCluster.hashPath, logger: StorageTestCluster.logger)
        let one = try server.broker(device: "sda1", partition: "1", account: "AUTH_test")
        let two = try server.broker(device: "sda1", partition: "2", account: "AUTH_test")
        try await one.initialize(putTimestamp: SwiftTimestamp(seconds: 1)!)
        try await two.initialize(putTimestamp: SwiftTimestamp(seconds: 1)!)
        let t = { (seconds: Double) in SwiftTimestamp(seconds: seconds)! }
        for index in 0..<30 {
            try await one.putContainer(ContainerRecord(name: "c\(index)", putTimestamp: t(Double(index + 2)), objectCount: Int64(index), bytesUsed: Int64(index * 10)))
        }
        try await one.putContainer(ContainerRecord(name: "c5", putTimestamp: t(3), deleteTimestamp: t(40), objectCount: 0, bytesUsed: 0))
        var point: Int64 = -1
        while true {
            let page = try await one.items(since: point, limit: 7)
            guard let last = page.last?.rowID else { break }
            try await two.mergeItems(page, source: "one")
            point = last
        }
        let a = try await one.info()!, b = try await two.info()!
        XCTAssertEqual(a.containerCount, 29)
        XCTAssertEqual(b.containerCount, 29)
        XCTAssertEqual(b.objectCount, a.objectCount)
        XCTAssertEqual(b.bytesUsed, a.bytesUsed)
        XCTAssertEqual(b.hash, a.hash)
        let value1 = try await two.access { try await $0.syncPoint(remoteID: "one") }
        XCTAssertEqual(value1, point)
        let deleted = try await two.items(since: -1, limit: 100).first { $0.name == "c5" }
        XCTAssertEqual(deleted?.deleted, true)
        XCTAssertEqual(deleted?.putTimestamp, t(7), "the newer put timestamp was kept")
        await server.shutdown()
    }

    func testFailedAccountUpdatesAreQueued() async throws {
        try await StorageTestCluster.run(sender: { _ in FailingSender() }) { cluster in
            var response = try await cluster.createContainer("c", at: ts(1))
            XCTAssertEqual(response.status, 201, "the container is made even when its account cannot be told")
            response = try await cluster.createContainer(
                "d", at: ts(2),
                headers: [
                    "X-Account-Host": "10.0.0.1:6202, 10.0.0.2:6202", "X-Account-Device": "sdb, sdc",
                    "X-Trans-Id": "tx123",
                ])
            XCTAssertEqual(response.status, 201)
            response = try await cluster.createContainer("e", at: ts(3), headers: ["X-Account-Device": "sdb, sdc"])
            XCTAssertEqual(response.status, 400, "hosts and devices differ in number")
            let queue = cluster.containers.accountUpdateQueue
            let paths = queue.list(device: "sda1")
            XCTAssertEqual(paths.count, 2, "c and d (e was refused before any update was sent)")
            let entries = try paths.map(queue.load)
            let d = try XCTUnwrap(entries.first { $0.update.container == "d" })
            XCTAssertEqual(d.update.account, "AUTH_test")
            XCTAssertEqual(d.update.putTimestamp, SwiftTimestamp(ts(2)))
            XCTAssertEqual(d.update.transactionID, "tx123")
            XCTAssertEqual(d.targets.map(\.host), ["10.0.0.1:6202", "10.0.0.2:6202"])
            XCTAssertEqual(d.targets.map(\.device), ["sdb", "sdc"])
            XCTAssertEqual(d.targets.first?.partition, "0")
            let hash = try cluster.containers.location.hash(account: "AUTH_test", container: "d")
            XCTAssertEqual(d.containerHash, hash)
            XCTAssertTrue(d.path.hasPrefix("\(cluster.root)/sda1/async_pending_containers/\(hash.suffix(3))/\(hash)-"))
            // Objects and a delete, then the queued updates carry the stats.
            try await cluster.putObject("AUTH_test/c/o", at: ts(4), size: 3)
            try await cluster.container(.delete, "AUTH_test/c/o", headers: ["X-Timestamp": ts(5)])
            response = try await cluster.container(.delete, "AUTH_test/c", headers: StorageTestCluster.accountHeaders.merging(["X-Timestamp": ts(6)]) { $1 })
            XCTAssertEqual(response.status, 204)
            let c = try queue.list(device: "sda1").map(queue.load).filter { $0.update.container == "c" }
            XCTAssertEqual(c.map(\.update.deleteTimestamp), [.zero, SwiftTimestamp(ts(6))!], "oldest first")
            XCTAssertEqual(queue.list(device: "sda1").count, 3)
            try queue.remove(c[0].path)
            XCTAssertEqual(queue.list(device: "sda1").count, 2)
        }
    }

    func testNotFoundFromEveryAccountServerIsNotFound() async throws {
        try await StorageTestCluster.run { cluster in
            // The local sender answers 404: the account does not exist.
            let response = try await cluster.createContainer("c", at: ts(1), createAccount: false)
            XCTAssertEqual(response.status, 404)
            XCTAssertTrue(cluster.containers.accountUpdateQueue.list(device: "sda1").isEmpty, "404 is not retried")
        }
    }
}

/// An account update transport whose every send fails (no account server reachable).
struct FailingSender: AccountUpdateSender {
    struct Refused: Error {}
    func send(_ update: AccountUpdate, to target: AccountUpdateTarget) async throws -> Int { throw Refused() }
}
