import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOHTTP1
import StratusKit
import XCTest

@testable import ObjectStorage

#if canImport(Glibc)
    import Glibc
#endif

/// The consistency daemons against live account, container and object servers on loopback,
/// with objects written and read through the proxy and checked on every replica.
final class DaemonTests: XCTestCase {
    /// A device emptied (a replaced disk) gets every partition copy back from one pass of the
    /// replicators: objects (data, POSTed metadata, tombstones), container and account databases.
    func testReplicatorRestoresAWipedDevice() async throws {
        try await DaemonCluster.run { cluster in
            let answer1 = try await cluster.call(.put, "/photos").status
            XCTAssertEqual(answer1, .created)
            var bodies: [String: [UInt8]] = [:]
            for index in 0..<24 {
                let name = index % 5 == 0 ? "dir/sub/o\(index)" : "o\(index)"
                bodies[name] = index == 3 ? [] : randomBytes(index * 997)
                try await cluster.upload("photos", name, bodies[name]!, headers: ["X-Object-Meta-Index": String(index)])
            }
            let answer2 = try await cluster.call(.post, "/photos/o1", headers: ["X-Object-Meta-Color": "red"]).status
            XCTAssertEqual(answer2, .accepted)
            try await cluster.upload("photos", "doomed", [1, 2, 3])
            let answer3 = try await cluster.call(.delete, "/photos/doomed").status
            XCTAssertEqual(answer3, .noContent)
            let before = try cluster.files(on: "d2", under: "objects", endingWith: ".data").count
            XCTAssertGreaterThan(before, 0)

            try cluster.wipe("d2")
            let reports = await cluster.replicate()
            let objectReport = reports[0]
            XCTAssertEqual(objectReport["failures"], 0, "\(reports)")
            XCTAssertEqual(cluster.files(on: "d2", under: "objects", endingWith: ".data").count, before, "\(objectReport)")
            let containerHolders = try cluster.rings.container.nodes(account: cluster.account, container: "photos").nodes
            let accountHolders = try cluster.rings.account.nodes(account: cluster.account).nodes
            XCTAssertEqual(reports[1]["databases created"], containerHolders.contains { $0.device == "d2" } ? 1 : 0, "\(reports[1])")
            XCTAssertEqual(reports[2]["databases created"], accountHolders.contains { $0.device == "d2" } ? 1 : 0, "\(reports[2])")

            for (name, body) in bodies {
                let (partition, nodes) = try cluster.primaries("photos", name)
                XCTAssertEqual(nodes.count, 3)
                for node in nodes {
                    let answer = await cluster.get("photos", name, on: node, partition: partition)
                    XCTAssertEqual(answer?.status, 200, "\(name) on \(node.device)")
                    XCTAssertEqual(answer.map { Array($0.body.readableBytesView) }, body, "\(name) on \(node.device)")
                    if name == "o1" {  // a POST replaces the user metadata
                        XCTAssertEqual(answer?.headers.first(name: "X-Object-Meta-Color"), "red")
                    } else {
                        XCTAssertEqual(answer?.headers.first(name: "X-Object-Meta-Index"), String(name.split(separator: "o").last!))
                    }
                }
                // Every replica holds the same files (same timestamps) as the others.
                let listings = try nodes.map { node in
                    (try? FileManager.default.contentsOfDirectory(
                        atPath: cluster.hashDirectory("photos", name, on: node, partition: partition)))?.sorted() ?? []
                }
                XCTAssertEqual(Set(listings).count, 1, "\(name): \(listings)")
            }
            let (doomedPartition, doomedNodes) = try cluster.primaries("photos", "doomed")
            for node in doomedNodes {
                let answer = await cluster.get("photos", "doomed", on: node, partition: doomedPartition)
                XCTAssertEqual(answer?.status, 404)
                XCTAssertNotNil(answer?.headers.first(name: "X-Backend-Timestamp"), "the tombstone is on \(node.device) too")
            }

            // Every container and account replica answers, with the same rows.
            let (containerPartition, containerNodes) = try cluster.rings.container.nodes(account: cluster.account, container: "photos")
            for node in containerNodes {
                let answer = await cluster.context.request(
                    .GET, node: node, path: BackendClient.path(device: node.device, partition: containerPartition, account: cluster.account, container: "photos"))
                XCTAssertEqual(answer?.status, 200, node.device)
                let names = answer.map { String(buffer: $0.body).split(separator: "\n").map(String.init) } ?? []
                XCTAssertEqual(names, bodies.keys.sorted(), node.device)
            }
            let (accountPartition, accountNodes) = try cluster.rings.account.nodes(account: cluster.account)
            for node in accountNodes {
                let answer = await cluster.context.request(
                    .GET, node: node, path: BackendClient.path(device: node.device, partition: accountPartition, account: cluster.account))
                XCTAssertEqual(answer.map { String(buffer: $0.body) }, "photos\n", node.device)
            }

            // The databases refilled on d2 are complete on disk (not only through the
            // server's open connections): a fresh reader sees every row.
            for path in cluster.files(on: "d2", under: "containers", endingWith: ".db") {
                let reader = BrokerConnectionCache()
                let count = try await reader.withDatabase(at: path) { database in
                    try await ContainerDatabase(database: database, account: "", container: "").info()?.objectCount
                }
                XCTAssertEqual(count, Int64(bodies.count), path)
                await reader.closeAll()
            }

            // A second pass finds nothing to do.
            let again = await cluster.replicate()
            XCTAssertEqual(again[0]["files pushed"], 0, "\(again[0])")
            XCTAssertEqual(again[1]["rows pushed"] + again[2]["rows pushed"], 0, "\(again)")
        }
    }

    /// A flipped byte: the auditor quarantines that copy, the replicator brings a good one back.
    func testAuditorQuarantinesCorruptCopyAndReplicatorRestoresIt() async throws {
        try await DaemonCluster.run { cluster in
            let answer4 = try await cluster.call(.put, "/c").status
            XCTAssertEqual(answer4, .created)
            let body = randomBytes(10_000)
            try await cluster.upload("c", "victim", body)
            try await cluster.upload("c", "bystander", randomBytes(500))
            let (partition, nodes) = try cluster.primaries("c", "victim")
            let bad = nodes[1]
            let directory = try cluster.hashDirectory("c", "victim", on: bad, partition: partition)
            let dataFile = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: directory).first { $0.hasSuffix(".data") })
            let fd = open(directory + "/" + dataFile, O_RDWR)
            XCTAssertGreaterThanOrEqual(fd, 0)
            var byte: UInt8 = 0
            XCTAssertEqual(pread(fd, &byte, 1, 5000), 1)
            byte ^= 0x01
            XCTAssertEqual(pwrite(fd, &byte, 1, 5000), 1)
            close(fd)

            let audit = await cluster.daemons.runOnce(.objectAuditor)
            XCTAssertEqual(audit["quarantined"], 1, "\(audit)")
            XCTAssertEqual(audit["objects checked"], 6, "\(audit)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: directory))
            let quarantined = cluster.devices + "/" + bad.device + "/quarantined/objects/" + (directory as NSString).lastPathComponent
            XCTAssertTrue(FileManager.default.fileExists(atPath: quarantined))
            let missing = await cluster.get("c", "victim", on: bad, partition: partition)
            XCTAssertEqual(missing?.status, 404)

            let replication = await cluster.daemons.runOnce(.objectReplicator)
            XCTAssertEqual(replication["files pushed"], 1, "\(replication)")
            let restored = await cluster.get("c", "victim", on: bad, partition: partition)
            XCTAssertEqual(restored?.status, 200)
            XCTAssertEqual(restored.map { Array($0.body.readableBytesView) }, body)
            let clean = await cluster.daemons.runOnce(.objectAuditor)
            XCTAssertEqual(clean["quarantined"], 0, "\(clean)")
        }
    }

    /// A corrupt copy is never spread: the replication PUT checks the bytes against the ETag.
    func testReplicationRefusesDataThatDoesNotMatchItsETag() async throws {
        try await DaemonCluster.run { cluster in
            let answer5 = try await cluster.call(.put, "/c").status
            XCTAssertEqual(answer5, .created)
            try await cluster.upload("c", "o", randomBytes(2000))
            let (partition, nodes) = try cluster.primaries("c", "o")
            let directory = try cluster.hashDirectory("c", "o", on: nodes[0], partition: partition)
            let dataFile = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: directory).first { $0.hasSuffix(".data") })
            let fd = open(directory + "/" + dataFile, O_RDWR)
            var byte: UInt8 = 0x55
            XCTAssertEqual(pwrite(fd, &byte, 1, 10), 1)
            close(fd)
            // The other copies vanish; the corrupt one must not be pushed to them.
            for node in nodes.dropFirst() {
                try FileManager.default.removeItem(atPath: try cluster.hashDirectory("c", "o", on: node, partition: partition))
                try SuffixHashes.invalidate(
                    partitionPath: cluster.devices + "/" + node.device + "/objects/\(partition)",
                    suffix: String(((directory as NSString).lastPathComponent).suffix(3)))
            }
            let report = await cluster.daemons.runOnce(.objectReplicator)
            XCTAssertEqual(report["files pushed"], 0, "\(report)")
            XCTAssertGreaterThan(report["failures"], 0, "\(report)")
            for node in nodes.dropFirst() {
                let answer = await cluster.get("c", "o", on: node, partition: partition)
                XCTAssertEqual(answer?.status, 404)
            }
        }
    }

    /// Container updates that failed while the container server refused them wait in
    /// async_pending; the object updater delivers them, and the container updater then brings
    /// the account's counts up to date.
    func testUpdatersCompleteListingsAndAccountStats() async throws {
        let outage = ContainerUpdateOutage()
        try await DaemonCluster.run(outage: outage) { cluster in
            let answer6 = try await cluster.call(.put, "/docs").status
            XCTAssertEqual(answer6, .created)
            outage.isOn = true
            var names: [String] = []
            for index in 0..<12 {
                names.append("file\(index)")
                try await cluster.upload("docs", "file\(index)", randomBytes(100))
            }
            let answer7 = try await cluster.listing("docs")
            XCTAssertEqual(answer7, [])
            let pending = (1...4).map { cluster.files(on: "d\($0)", under: "async_pending", endingWith: "") }.joined()
                .filter { !$0.hasSuffix("/") && ($0 as NSString).lastPathComponent.count > 3 }
            XCTAssertEqual(pending.count, 36, "one update per object replica")

            let failing = await cluster.daemons.runOnce(.objectUpdater)
            XCTAssertEqual(failing["successes"], 0, "\(failing)")
            XCTAssertEqual(failing["failures"], 36, "\(failing)")

            outage.isOn = false
            let update = await cluster.daemons.runOnce(.objectUpdater)
            XCTAssertEqual(update["successes"], 36, "\(update)")
            let answer8 = try await cluster.listing("docs")
            XCTAssertEqual(answer8, names.sorted())
            let left = (1...4).flatMap { cluster.files(on: "d\($0)", under: "async_pending", endingWith: "") }
                .filter { ($0 as NSString).lastPathComponent.count > 3 }
            XCTAssertEqual(left, [])

            let before = try await cluster.call(.head, "")
            XCTAssertEqual(before.headers[HTTPField.Name("X-Account-Object-Count")!], "0")
            let stats = await cluster.daemons.runOnce(.containerUpdater)
            XCTAssertEqual(stats["successes"], 3, "one report per container replica: \(stats)")
            let after = try await cluster.call(.head, "")
            XCTAssertEqual(after.headers[HTTPField.Name("X-Account-Object-Count")!], "12")
            XCTAssertEqual(after.headers[HTTPField.Name("X-Account-Bytes-Used")!], "1200")
            let quiet = await cluster.daemons.runOnce(.containerUpdater)
            XCTAssertEqual(quiet["successes"], 0, "\(quiet)")
            XCTAssertEqual(quiet["no changes"], 3, "\(quiet)")
        }
    }

    /// Account updates queued by container servers go out again, newest first per container,
    /// with the container database's current stats; an unreachable target stays queued.
    func testContainerUpdaterSendsQueuedAccountUpdatesWithCurrentStats() async throws {
        try await DaemonCluster.run { cluster in
            let created = try await cluster.call(.put, "/q")
            XCTAssertEqual(created.status, .created)
            try await cluster.upload("q", "a", Array(repeating: 1, count: 10))
            try await cluster.upload("q", "b", Array(repeating: 2, count: 20))
            let containerNodes = try cluster.rings.container.nodes(account: cluster.account, container: "q").nodes
            let hash = try BrokerLocation(devicesRoot: cluster.devices, hashPath: cluster.context.hashPath)
                .hash(account: cluster.account, container: "q")
            let (accountPartition, accountNodes) = try cluster.rings.account.nodes(account: cluster.account)
            let reachable = accountNodes.map {
                AccountUpdateTarget(host: "\($0.ip):\($0.port)", device: $0.device, partition: String(accountPartition))
            }
            let unreachable = AccountUpdateTarget(host: "127.0.0.1:1", device: "d1", partition: String(accountPartition))
            let stale = AccountUpdate(
                account: cluster.account, container: "q", putTimestamp: SwiftTimestamp(seconds: 1_000_000_000)!,
                deleteTimestamp: .zero, objectCount: 99, bytesUsed: 9999)
            let queue = AccountUpdateQueue(devicesRoot: cluster.devices)
            let device = containerNodes[0].device
            try queue.enqueue(stale, targets: reachable, device: device, containerHash: hash, now: SwiftTimestamp(seconds: 1_700_000_000)!)
            try queue.enqueue(
                stale, targets: reachable + [unreachable], device: device, containerHash: hash,
                now: SwiftTimestamp(seconds: 1_700_000_001)!)

            let report = await cluster.daemons.runOnce(.containerUpdater)
            XCTAssertEqual(report["queued updates sent"], 1, "the older one needs nothing the newer did not send: \(report)")
            XCTAssertEqual(report["queued updates kept"], 1, "\(report)")
            let left = queue.list(device: device)
            XCTAssertEqual(left.count, 1)
            XCTAssertEqual(try left.first.map { try queue.load($0).targets }, [unreachable])
            let head = try await cluster.call(.head, "")
            XCTAssertEqual(head.headers[HTTPField.Name("X-Account-Object-Count")!], "2", "not the queued 99")
            XCTAssertEqual(head.headers[HTTPField.Name("X-Account-Bytes-Used")!], "30")
        }
    }

    /// An object past its X-Delete-At leaves the servers and the listing with the expirer's pass.
    func testExpirerRemovesExpiredObjectsFromListings() async throws {
        try await DaemonCluster.run { cluster in
            let answer9 = try await cluster.call(.put, "/tmp").status
            XCTAssertEqual(answer9, .created)
            try await cluster.upload("tmp", "short-lived", [1, 2, 3], headers: ["X-Delete-After": "1"])
            try await cluster.upload("tmp", "stays", [4, 5, 6])
            let queued = (1...4).map { ExpirerQueue.count(devicePath: cluster.devices + "/d\($0)") }.reduce(0, +)
            XCTAssertEqual(queued, 3, "one entry on each replica's device")
            let early = await cluster.daemons.runOnce(.objectExpirer)
            XCTAssertEqual(early["objects expired"], 0, "nothing is due yet: \(early)")

            try await Task.sleep(for: .seconds(2.2))
            let answer10 = try await cluster.call(.get, "/tmp/short-lived").status
            XCTAssertEqual(answer10, .notFound)
            let answer11 = try await cluster.listing("tmp")
            XCTAssertEqual(answer11, ["short-lived", "stays"], "the row stays until the expirer runs")
            let report = await cluster.daemons.runOnce(.objectExpirer)
            XCTAssertEqual(report["objects expired"], 1, "\(report)")
            XCTAssertEqual(report["entries done elsewhere"], 2, "\(report)")
            let answer12 = try await cluster.listing("tmp")
            XCTAssertEqual(answer12, ["stays"])
            let left = (1...4).map { ExpirerQueue.count(devicePath: cluster.devices + "/d\($0)") }.reduce(0, +)
            XCTAssertEqual(left, 0)
            let (partition, nodes) = try cluster.primaries("tmp", "short-lived")
            for node in nodes {
                let answer = await cluster.get("tmp", "short-lived", on: node, partition: partition)
                XCTAssertEqual(answer?.status, 404)
                XCTAssertNotNil(answer?.headers.first(name: "X-Backend-Timestamp"))
            }
        }
    }

    /// An object written to a handoff device goes to its primaries, and the handoff partition
    /// is removed once they all have it.
    func testHandoffPartitionMovesToItsPrimaries() async throws {
        try await DaemonCluster.run { cluster in
            let answer13 = try await cluster.call(.put, "/c").status
            XCTAssertEqual(answer13, .created)
            let (partition, nodes) = try cluster.primaries("c", "wanderer")
            let handoff = try XCTUnwrap(cluster.rings.object.handoffNodes(partition: partition).first { _ in true })
            var headers = HTTPHeaders()
            headers.add(name: "X-Timestamp", value: SwiftTimestamp.now().internal)
            headers.add(name: "Content-Type", value: "text/plain")
            headers.add(name: "Content-Length", value: "5")
            let put = await cluster.context.request(
                .PUT, node: handoff,
                path: BackendClient.path(device: handoff.device, partition: partition, account: cluster.account, container: "c", object: "wanderer"),
                headers: headers, body: .bytes(ByteBuffer(string: "hello")))
            XCTAssertEqual(put?.status, 201)
            let partitionPath = cluster.devices + "/" + handoff.device + "/objects/\(partition)"
            XCTAssertTrue(FileManager.default.fileExists(atPath: partitionPath))

            let report = await cluster.daemons.runOnce(.objectReplicator)
            XCTAssertEqual(report["files pushed"], 3, "\(report)")
            XCTAssertEqual(report["handoff partitions removed"], 1, "\(report)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: partitionPath))
            for node in nodes {
                let answer = await cluster.get("c", "wanderer", on: node, partition: partition)
                XCTAssertEqual(answer.map { String(buffer: $0.body) }, "hello", node.device)
            }
        }
    }

    /// A container database written on a handoff device is created on its primaries with its
    /// rows and metadata, then removed from the handoff.
    func testHandoffDatabaseMovesToItsPrimaries() async throws {
        try await DaemonCluster.run { cluster in
            let (partition, nodes) = try cluster.rings.container.nodes(account: cluster.account, container: "stray")
            let handoff = try XCTUnwrap(cluster.rings.container.handoffNodes(partition: partition).first { _ in true })
            let base = BackendClient.path(device: handoff.device, partition: partition, account: cluster.account, container: "stray")
            var headers = HTTPHeaders()
            headers.add(name: "X-Timestamp", value: SwiftTimestamp.now().internal)
            headers.add(name: "X-Container-Meta-Origin", value: "handoff")
            let created = await cluster.context.request(.PUT, node: handoff, path: base, headers: headers)
            XCTAssertEqual(created?.status, 201)
            headers = HTTPHeaders()
            for (name, value) in [
                ("X-Timestamp", SwiftTimestamp.now().internal), ("X-Size", "7"), ("X-Content-Type", "text/plain"),
                ("X-Etag", md5Hex(Array("content".utf8))),
            ] { headers.add(name: name, value: value) }
            let row = await cluster.context.request(.PUT, node: handoff, path: base + "/item", headers: headers)
            XCTAssertEqual(row?.status, 201)
            let handoffFiles = cluster.files(on: handoff.device, under: "containers", endingWith: ".db")
            XCTAssertEqual(handoffFiles.count, 1)

            let report = await cluster.daemons.runOnce(.containerReplicator)
            XCTAssertEqual(report["databases created"], 3, "\(report)")
            XCTAssertEqual(report["handoff databases removed"], 1, "\(report)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: handoffFiles[0]))
            for node in nodes {
                let answer = await cluster.context.request(
                    .GET, node: node,
                    path: BackendClient.path(device: node.device, partition: partition, account: cluster.account, container: "stray"))
                XCTAssertEqual(answer.map { String(buffer: $0.body) }, "item\n", node.device)
                XCTAssertEqual(answer?.headers.first(name: "X-Container-Meta-Origin"), "handoff", node.device)
                XCTAssertEqual(answer?.headers.first(name: "X-Container-Object-Count"), "1", node.device)
            }
        }
    }

    /// The replication PUT stores exactly the file it is given, and only when it adds something.
    func testReplicationPutStoresTheFileAsIs() async throws {
        let fixture = try ObjectServerFixture()
        defer { fixture.remove() }
        let stamps = TimestampSource()
        try await fixture.withClient { client in
            let old = stamps.make()
            let newer = stamps.make()
            let metadata = [
                "name": "/a/c/o", "X-Timestamp": newer.internal, "Content-Type": "text/plain", "Content-Length": "5",
                "ETag": md5Hex(Array("hello".utf8)), "X-Object-Meta-Kept": "yes",
            ]
            func push(_ file: String, _ metadata: [String: String], _ body: String) async throws -> HTTPResponse.Status {
                try await client.execute(
                    uri: "/d1/3/a/c/o", method: .put,
                    headers: HTTPFields([
                        "X-Backend-Replication": "True", "X-Backend-Replication-File": file,
                        "X-Backend-Replication-Metadata": ReplicationMetadata.encode(metadata),
                        "Content-Length": String(body.utf8.count), "X-Timestamp": newer.internal,
                    ]),
                    body: ByteBuffer(string: body)
                ).status
            }
            let r1 = try await push(newer.internal + ".data", metadata, "hello")
            XCTAssertEqual(r1, .created)
            let r2 = try await push(newer.internal + ".data", metadata, "hello")
            XCTAssertEqual(r2, .conflict, "already there")
            var oldMetadata = metadata
            oldMetadata["X-Timestamp"] = old.internal
            let r3 = try await push(old.internal + ".ts", ["name": "/a/c/o", "X-Timestamp": old.internal], "")
            XCTAssertEqual(r3, .conflict, "an older tombstone is obsolete beside newer data")
            let r4 = try await push(stamps.make().internal + ".data", metadata, "HELLO")
            XCTAssertEqual(r4, .unprocessableContent, "bytes that do not match the ETag")
            var other = metadata
            other["name"] = "/a/c/other"
            let r5 = try await push(stamps.make().internal + ".data", other, "hello")
            XCTAssertEqual(r5, .badRequest)
            let get = try await client.get("/d1/3/a/c/o")
            XCTAssertEqual(get.status, .ok)
            XCTAssertEqual(get.headers["X-Object-Meta-Kept"], "yes")
            XCTAssertEqual(get.headers["X-Backend-Timestamp"], newer.internal)
            XCTAssertEqual(try fixture.files(in: fixture.hashDirectory("o", partition: "3")), [newer.internal + ".data"])

            let listing = try await client.execute(
                uri: "/d1/3/" + ObjectDiskLayout.suffix(ofHash: try fixture.layout.objectHash(account: "a", container: "c", object: "o")),
                method: .post, headers: HTTPFields(["X-Backend-Replicate": "LIST"]))
            XCTAssertEqual(listing.status, .ok)
            XCTAssertTrue(listing.text.contains(newer.internal + ".data"), listing.text)
        }
    }
}
