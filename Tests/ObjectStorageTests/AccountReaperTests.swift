import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import StratusKit
import XCTest

@testable import ObjectStorage

/// The account reaper on a live one-host cluster: a reseller admin deletes an account through
/// the proxy, the reaper's pass removes its objects and containers from every server.
final class AccountReaperTests: XCTestCase {
    static let users = "test:tester:testing:.admin,keep:owner:keeppw:.admin,reseller:admin:adminpw:.reseller_admin"

    func testPrimariesShareContainersAsSwiftDoes() {
        // int(md5(name).hexdigest(), 16) % count, computed with Python.
        XCTAssertEqual(AccountReaper.shard(of: "photos", among: 3), 0)
        XCTAssertEqual(AccountReaper.shard(of: "docs", among: 3), 1)
        XCTAssertEqual(AccountReaper.shard(of: "docs", among: 4), 2)
        XCTAssertEqual(AccountReaper.shard(of: "été", among: 4), 2)
        XCTAssertEqual(AccountReaper.shard(of: "container-42", among: 3), 1)
        XCTAssertEqual(AccountReaper.shard(of: "anything", among: 1), 0)
        XCTAssertEqual(DaemonRunner.commands["reap"], [.accountReaper])
        XCTAssertEqual(DaemonRunner.Daemon.accountReaper.intervalKey, "reaper_interval")
    }

    func testSettings() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let logger = Logger(label: "settings")
        let defaults = try ObjectStorageService(
            dataDirectory: root + "/a", config: StratusConfig(values: ["object.part_power": "4"]), host: "127.0.0.1", logger: logger)
        XCTAssertFalse(defaults.proxy.allowAccountManagement, "off unless configured, as in Swift")
        XCTAssertEqual(defaults.daemons.delayReaping, 0)
        XCTAssertEqual(defaults.daemons.intervals[.accountReaper], 30)
        await defaults.shutdown()
        let configured = try ObjectStorageService(
            dataDirectory: root + "/b",
            config: StratusConfig(values: [
                "object.part_power": "4", "object.allow_account_management": "true", "object.delay_reaping": "120",
                "object.reaper_interval": "0",
            ]), host: "127.0.0.1", logger: logger)
        XCTAssertTrue(configured.proxy.allowAccountManagement)
        XCTAssertEqual(configured.daemons.delayReaping, 120)
        XCTAssertEqual(configured.daemons.intervals[.accountReaper], 0)
        XCTAssertFalse(configured.daemons.backgroundTasks().isEmpty, "the other daemons still run")
        await configured.shutdown()
    }

    func testReaperRemovesADeletedAccountsObjectsAndContainers() async throws {
        try await DaemonCluster.run(tempAuthUsers: Self.users, allowAccountManagement: true) { cluster in
            let containers = ["photos", "docs"]
            var objects: [(String, String)] = []
            for container in containers {
                let created = try await cluster.call(.put, "/" + container).status
                XCTAssertEqual(created, .created)
                for index in 0..<4 {
                    try await cluster.upload(container, "file\(index)", randomBytes(64))
                    objects.append((container, "file\(index)"))
                }
            }
            let keeper = try await ProxyCaller.signIn(cluster.proxy, "keep:owner", "keeppw")
            var response = try await keeper.call(.put, "/v1/AUTH_keep/kept")
            XCTAssertEqual(response.status, .created)
            response = try await keeper.call(.put, "/v1/AUTH_keep/kept/safe.txt", body: "safe")
            XCTAssertEqual(response.status, .created)
            XCTAssertEqual(Self.dataFiles(cluster).count, 27, "three copies of nine objects")

            let reseller = try await ProxyCaller.signIn(cluster.proxy, "reseller:admin", "adminpw")
            response = try await reseller.call(.delete, "/v1/AUTH_test")
            XCTAssertEqual(response.status, .noContent)
            for info in try await Self.accountReplicas(cluster, "AUTH_test") {
                XCTAssertTrue(info.isStatusDeleted, "every replica of the account is marked deleted")
                XCTAssertEqual(info.containerCount, 2)
            }

            // With a delay, nothing happens yet.
            let delayed = DaemonRunner(
                context: cluster.context, containerCache: cluster.daemons.containerCache, accountCache: cluster.daemons.accountCache,
                delayReaping: 3600)
            let early = await delayed.runOnce(.accountReaper)
            XCTAssertEqual(early["accounts delayed"], 3, "each primary waits: \(early)")
            XCTAssertEqual(early["objects deleted"], 0, "\(early)")
            XCTAssertEqual(Self.dataFiles(cluster).count, 27)

            let report = await cluster.daemons.runOnce(.accountReaper)
            // photos and docs belong to two different primaries' shares; the third primary finds
            // the account empty when its turn comes after theirs.
            XCTAssertGreaterThanOrEqual(report["accounts"], 2, "each primary reaps its share of the containers: \(report)")
            XCTAssertEqual(report["objects deleted"], 8, "\(report)")
            XCTAssertEqual(report["containers deleted"], 2, "\(report)")
            XCTAssertEqual(report["objects remaining"] + report["containers remaining"] + report["errors"], 0, "\(report)")

            // Every replica of every object is a tombstone now.
            XCTAssertEqual(Self.dataFiles(cluster).count, 3, "only the other account's object is left")
            for (container, object) in objects {
                let (partition, nodes) = try cluster.primaries(container, object)
                for node in nodes {
                    let directory = try cluster.hashDirectory(container, object, on: node, partition: partition)
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
                    XCTAssertEqual(names.filter { $0.hasSuffix(".ts") }.count, 1, "\(container)/\(object) on \(node.device): \(names)")
                    XCTAssertTrue(names.allSatisfy { !$0.hasSuffix(".data") })
                }
            }
            // Every replica of every container is deleted, and the account lists none.
            let location = BrokerLocation(devicesRoot: cluster.devices, hashPath: cluster.context.hashPath)
            for container in containers {
                let (partition, nodes) = try cluster.rings.container.nodes(account: cluster.account, container: container)
                for node in nodes {
                    let broker = try ContainerBroker(
                        location: location, device: node.device, partition: String(partition), account: cluster.account,
                        container: container, cache: cluster.daemons.containerCache)
                    let info = try await broker.info()
                    XCTAssertEqual(info?.isDeleted, true, "\(container) on \(node.device)")
                    XCTAssertEqual(info?.objectCount, 0)
                }
            }
            for info in try await Self.accountReplicas(cluster, "AUTH_test") {
                XCTAssertTrue(info.isStatusDeleted, "the account stays deleted until it is reclaimed")
                XCTAssertEqual(info.containerCount, 0)
            }
            response = try await reseller.call(.head, "/v1/AUTH_test")
            XCTAssertEqual(response.status, .gone)

            // The live account is untouched; a second pass finds nothing to do.
            response = try await keeper.call(.get, "/v1/AUTH_keep/kept/safe.txt")
            XCTAssertEqual(response.text, "safe")
            let again = await cluster.daemons.runOnce(.accountReaper)
            XCTAssertTrue(again.counts.isEmpty, "\(again)")
        }
    }

    /// What could not be deleted is reported, stays listed, and the next pass finishes it.
    func testWhatRemainsIsReapedOnTheNextPass() async throws {
        try await DaemonCluster.run(tempAuthUsers: Self.users, allowAccountManagement: true) { cluster in
            let created = try await cluster.call(.put, "/box").status
            XCTAssertEqual(created, .created)
            try await cluster.upload("box", "stuck", randomBytes(10))
            let reseller = try await ProxyCaller.signIn(cluster.proxy, "reseller:admin", "adminpw")
            let deleted = try await reseller.call(.delete, "/v1/AUTH_test").status
            XCTAssertEqual(deleted, .noContent)

            // A pass while the object server cannot be reached (its address leads nowhere).
            var context = cluster.context
            for device in cluster.rings.object.devices { context.addressMap["\(device.replicationIP):\(device.replicationPort)"] = "127.0.0.1:1" }
            let cutOff = DaemonRunner(
                context: context, containerCache: cluster.daemons.containerCache, accountCache: cluster.daemons.accountCache)
            let first = await cutOff.runOnce(.accountReaper)
            XCTAssertEqual(first["objects remaining"], 1, "\(first)")
            XCTAssertEqual(first["containers remaining"], 1, "a container with objects is not deleted: \(first)")
            XCTAssertEqual(first["objects deleted"] + first["containers deleted"], 0, "\(first)")
            XCTAssertEqual(Self.dataFiles(cluster).count, 3)

            let second = await cluster.daemons.runOnce(.accountReaper)
            XCTAssertEqual(second["objects deleted"], 1, "\(second)")
            XCTAssertEqual(second["containers deleted"], 1, "\(second)")
            XCTAssertEqual(Self.dataFiles(cluster).count, 0)
        }
    }

    /// Once reaped and past the reclaim age, the account replicator removes a deleted account's
    /// databases; the name is free again.
    func testAReapedAccountIsReclaimedAfterTheReclaimAge() async throws {
        try await DaemonCluster.run(tempAuthUsers: Self.users, allowAccountManagement: true) { cluster in
            let created = try await cluster.call(.put, "/box").status
            XCTAssertEqual(created, .created)
            try await cluster.upload("box", "thing", randomBytes(10))
            let reseller = try await ProxyCaller.signIn(cluster.proxy, "reseller:admin", "adminpw")
            var response = try await reseller.call(.delete, "/v1/AUTH_test")
            XCTAssertEqual(response.status, .noContent)
            let reaped = await cluster.daemons.runOnce(.accountReaper)
            XCTAssertEqual(reaped["containers deleted"], 1, "\(reaped)")

            var now = cluster.context
            let replicated = await DatabaseReplicator(context: now, kind: .account, cache: cluster.daemons.accountCache).runOnce()
            XCTAssertEqual(replicated["databases reclaimed"], 0, "not before the reclaim age: \(replicated)")
            let later = Date().timeIntervalSince1970 + now.reclaimAge + 60
            now.clock = { later }
            let reclaimed = await DatabaseReplicator(context: now, kind: .account, cache: cluster.daemons.accountCache).runOnce()
            XCTAssertEqual(reclaimed["databases reclaimed"], 3, "\(reclaimed)")
            XCTAssertEqual((1...4).flatMap { cluster.files(on: "d\($0)", under: "accounts", endingWith: ".db") }, [])

            response = try await reseller.call(.put, "/v1/AUTH_test")
            XCTAssertEqual(response.status, .created, "a reclaimed account can be made again")
        }
    }

    /// The `.data` files on every device.
    static func dataFiles(_ cluster: DaemonCluster) -> [String] {
        (1...4).flatMap { cluster.files(on: "d\($0)", under: "objects", endingWith: ".data") }
    }

    /// The account's database on each of its primaries.
    static func accountReplicas(_ cluster: DaemonCluster, _ account: String) async throws -> [AccountInfo] {
        let location = BrokerLocation(devicesRoot: cluster.devices, hashPath: cluster.context.hashPath)
        let (partition, nodes) = try cluster.rings.account.nodes(account: account)
        var infos: [AccountInfo] = []
        for node in nodes {
            let broker = try AccountBroker(
                location: location, device: node.device, partition: String(partition), account: account, cache: cluster.daemons.accountCache)
            let info = try await broker.info()
            infos.append(try XCTUnwrap(info, "\(account) on \(node.device)"))
        }
        return infos
    }
}
