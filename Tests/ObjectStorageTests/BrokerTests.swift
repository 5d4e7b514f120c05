import Crypto
import Foundation
import ObjectStorage
import StratusKit
import XCTest

final class BrokerTests: XCTestCase {
    let location = { (root: String) in BrokerLocation(devicesRoot: root, hashPath: StorageTestCluster.hashPath) }

    private func withContainer(
        cacheCapacity: Int = 8, _ body: (ContainerBroker, BrokerLocation, BrokerConnectionCache) async throws -> Void
    ) async throws {
        let root = try StorageTestCluster.makeDevicesRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cache = BrokerConnectionCache(capacity: cacheCapacity)
        let location = location(root)
        let broker = try ContainerBroker(location: location, device: "sda1", partition: "3", account: "AUTH_test", container: "c", cache: cache)
        do {
            try await body(broker, location, cache)
        } catch {
            await cache.closeAll()
            throw error
        }
        await cache.closeAll()
    }

    // MARK: Timestamps and paths

    func testTimestampsAreWrittenAsSwiftWritesThem() {
        XCTAssertEqual(SwiftTimestamp(seconds: 1_402_464_677.04188)!.normal, "1402464677.04188")
        XCTAssertEqual(SwiftTimestamp.zero.internal, "0000000000.00000")
        XCTAssertEqual(SwiftTimestamp(seconds: 12.5)!.internal, "0000000012.50000")
        XCTAssertEqual(SwiftTimestamp(raw: 140_246_467_704_188, offset: 10)!.internal, "1402464677.04188_000000000000000a")
        XCTAssertEqual(SwiftTimestamp("1402464677.04188_000000000000000a")?.offset, 10)
        XCTAssertEqual(SwiftTimestamp("1402464677.041876")?.normal, "1402464677.04188")  // rounded to 10 µs
        XCTAssertEqual(SwiftTimestamp("1402464677")?.normal, "1402464677.00000")
        // Rounded as Swift rounds (the float divided by 1e-5, half to even): values from Python.
        XCTAssertEqual(SwiftTimestamp("1.000005")?.normal, "0000000001.00000")
        XCTAssertEqual(SwiftTimestamp("0.000015")?.normal, "0000000000.00002")
        XCTAssertEqual(SwiftTimestamp("1.000025")?.normal, "0000000001.00002")
        XCTAssertNil(SwiftTimestamp("-1"))
        XCTAssertNil(SwiftTimestamp("10000000000"))
        XCTAssertNil(SwiftTimestamp("abc"))
        XCTAssertEqual(SwiftTimestamp("1.0_")?.offset, 0)  // an empty offset is 0, as in Swift
        XCTAssertNil(SwiftTimestamp("1.0_00000000000000001"))  // 17 hex digits
        XCTAssertEqual(SwiftTimestamp(seconds: 1_389_975_573.35964)!.isoformat, "2014-01-17T16:19:33.359640")
        XCTAssertEqual(SwiftTimestamp(seconds: 784_111_777.2)!.httpDate, "Sun, 06 Nov 1994 08:49:38 GMT")  // rounded up
        XCTAssertLessThan(SwiftTimestamp("5.00000")!, SwiftTimestamp("5.00000_0000000000000001")!)
        XCTAssertLessThan(SwiftTimestamp("5.00000_ffffffffffffffff")!, SwiftTimestamp("5.00001")!)
    }

    func testDatabasePathsFollowSwiftsLayout() throws {
        let location = BrokerLocation(devicesRoot: "/srv/node", hashPath: HashPath(suffix: "changeme"))
        let hash = try location.hash(account: "AUTH_test", container: "c")
        // MD5("/AUTH_test/c" + "changeme"), as Swift's hash_path gives it.
        XCTAssertEqual(hash, Hex.lowercase(Array(Insecure_MD5("/AUTH_test/cchangeme"))))
        XCTAssertEqual(
            try location.containerDatabasePath(device: "sdb1", partition: "155", account: "AUTH_test", container: "c"),
            "/srv/node/sdb1/containers/155/\(hash.suffix(3))/\(hash)/\(hash).db")
        let accountHash = try location.hash(account: "AUTH_test")
        XCTAssertEqual(
            try location.accountDatabasePath(device: "sdb1", partition: "628", account: "AUTH_test"),
            "/srv/node/sdb1/accounts/628/\(accountHash.suffix(3))/\(accountHash)/\(accountHash).db")
    }

    // MARK: Object rows

    func testObjectRowsMergeNewestWins() async throws {
        try await withContainer { broker, _, _ in
            let value1 = try await broker.initialize(putTimestamp: SwiftTimestamp(seconds: 100)!)
            XCTAssertTrue(value1)
            let value2 = try await broker.initialize(putTimestamp: SwiftTimestamp(seconds: 101)!)
            XCTAssertFalse(value2)
            let t = { (seconds: Double) in SwiftTimestamp(seconds: seconds)! }
            try await broker.putObject(ObjectRecord(name: "a", createdAt: t(200), size: 10, contentType: "text/plain", etag: "e1"))
            try await broker.putObject(ObjectRecord(name: "b", createdAt: t(200), size: 5, contentType: "text/plain", etag: "e2"))
            // An older put of "a" loses; an equal one too.
            try await broker.putObject(ObjectRecord(name: "a", createdAt: t(150), size: 99, contentType: "x/old", etag: "old"))
            try await broker.putObject(ObjectRecord(name: "a", createdAt: t(200), size: 98, contentType: "x/same", etag: "same"))
            var info = try await broker.info()!
            XCTAssertEqual(info.objectCount, 2)
            XCTAssertEqual(info.bytesUsed, 15)
            // A newer put replaces it.
            try await broker.putObject(ObjectRecord(name: "a", createdAt: t(300), size: 7, contentType: "x/new", etag: "new"))
            info = try await broker.info()!
            XCTAssertEqual(info.objectCount, 2)
            XCTAssertEqual(info.bytesUsed, 12)
            let listed = try await broker.listObjects(ListingQuery()).compactMap { entry -> ObjectRecord? in
                if case .row(let record) = entry { return record }
                return nil
            }
            XCTAssertEqual(listed.map(\.name), ["a", "b"])
            XCTAssertEqual(listed[0].etag, "new")
            XCTAssertEqual(listed[0].contentType, "x/new")
            XCTAssertEqual(listed[0].createdAt, t(300))
        }
    }

    func testADeleteArrivingBeforeAnOlderPutKeepsTheObjectDeleted() async throws {
        try await withContainer { broker, _, _ in
            try await broker.initialize(putTimestamp: SwiftTimestamp(seconds: 1)!)
            // The delete (t=20) is applied first, then the put it deleted (t=10) arrives late.
            try await broker.putObject(.tombstone(name: "o", at: SwiftTimestamp(seconds: 20)!))
            try await broker.putObject(
                ObjectRecord(name: "o", createdAt: SwiftTimestamp(seconds: 10)!, size: 100, contentType: "a/b", etag: "x"))
            var info = try await broker.info()!
            XCTAssertEqual(info.objectCount, 0)
            XCTAssertEqual(info.bytesUsed, 0)
            let value3 = try await broker.listObjects(ListingQuery()).isEmpty
            XCTAssertTrue(value3)
            // The tombstone is a row (replication needs it).
            let rows = try await broker.items(since: -1)
            XCTAssertEqual(rows.map(\.name), ["o"])
            XCTAssertTrue(rows[0].deleted)
            XCTAssertEqual(rows[0].createdAt, SwiftTimestamp(seconds: 20)!)
            // A put newer than the delete brings the object back.
            try await broker.putObject(
                ObjectRecord(name: "o", createdAt: SwiftTimestamp(seconds: 30)!, size: 3, contentType: "a/b", etag: "y"))
            info = try await broker.info()!
            XCTAssertEqual(info.objectCount, 1)
            XCTAssertEqual(info.bytesUsed, 3)
        }
    }

    func testReservedNamesWithANulMergeAndListInFull() async throws {
        try await withContainer { broker, _, _ in
            try await broker.initialize(putTimestamp: SwiftTimestamp(seconds: 1)!)
            let name = "\u{0}versions\u{0}o"
            try await broker.putObject(ObjectRecord(name: name, createdAt: SwiftTimestamp(seconds: 2)!, size: 1, contentType: "a/b", etag: "e"))
            try await broker.putObject(ObjectRecord(name: name, createdAt: SwiftTimestamp(seconds: 3)!, size: 2, contentType: "a/b", etag: "e"))
            let info = try await broker.info()!
            XCTAssertEqual(info.objectCount, 1)
            XCTAssertEqual(info.bytesUsed, 2)
            let hidden = try await broker.listObjects(ListingQuery())
            XCTAssertTrue(hidden.isEmpty)
            let shown = try await broker.listObjects(ListingQuery(allowReserved: true))
            guard case .row(let record) = shown.first else { return XCTFail("no row") }
            XCTAssertEqual(record.name, name)
        }
    }

    func testNamesAreComparedByTheirBytes() async throws {
        try await withContainer { broker, _, _ in
            try await broker.initialize(putTimestamp: SwiftTimestamp(seconds: 1)!)
            let composed = "caf\u{e9}", decomposed = "cafe\u{301}"
            XCTAssertEqual(composed, decomposed, "equal as Swift strings")
            try await broker.mergeItems([
                ObjectRecord(name: composed, createdAt: SwiftTimestamp(seconds: 2)!, size: 1, contentType: "a/b", etag: "e"),
                ObjectRecord(name: decomposed, createdAt: SwiftTimestamp(seconds: 3)!, size: 2, contentType: "a/b", etag: "e"),
            ])
            let first = try await broker.info()!
            XCTAssertEqual(first.objectCount, 2)
            XCTAssertEqual(first.bytesUsed, 3)
            try await broker.putObject(ObjectRecord(name: composed, createdAt: SwiftTimestamp(seconds: 4)!, size: 4, contentType: "a/b", etag: "e"))
            let info = try await broker.info()!
            XCTAssertEqual(info.objectCount, 2)
            XCTAssertEqual(info.bytesUsed, 6)
            let names = try await broker.listObjects(ListingQuery()).compactMap { entry -> [UInt8]? in
                if case .row(let record) = entry { return Array(record.name.utf8) }
                return nil
            }
            XCTAssertEqual(names, [Array(decomposed.utf8), Array(composed.utf8)], "code point order: e < \u{e9}")
        }
    }

    func testMergeOfABatchKeepsTheNewestOfEachNameAndCountsOnce() async throws {
        try await withContainer { broker, _, _ in
            try await broker.initialize(putTimestamp: SwiftTimestamp(seconds: 1)!)
            let t = { (seconds: Double) in SwiftTimestamp(seconds: seconds)! }
            var batch: [ObjectRecord] = []
            for index in 0..<1200 {  // more than one statement's worth of names
                batch.append(ObjectRecord(name: String(format: "obj-%05d", index), createdAt: t(10), size: 2, contentType: "a/b", etag: "e"))
            }
            batch.append(ObjectRecord(name: "obj-00000", createdAt: t(12), size: 50, contentType: "a/b", etag: "newer"))
            batch.append(ObjectRecord(name: "obj-00000", createdAt: t(11), size: 70, contentType: "a/b", etag: "middle"))
            batch.append(.tombstone(name: "obj-00001", at: t(11)))
            let value4 = try await broker.mergeItems(batch)
            XCTAssertEqual(value4, 1200)
            let info = try await broker.info()!
            XCTAssertEqual(info.objectCount, 1199)
            XCTAssertEqual(info.bytesUsed, 50 + 1198 * 2)
        }
    }

    func testItemsSinceAndMergeItemsReplicateAContainer() async throws {
        try await withContainer { broker, location, cache in
            try await broker.initialize(putTimestamp: SwiftTimestamp(seconds: 1)!)
            let t = { (seconds: Double) in SwiftTimestamp(seconds: seconds)! }
            for index in 0..<25 {
                try await broker.putObject(
                    ObjectRecord(name: "n\(index)", createdAt: t(Double(10 + index)), size: Int64(index), contentType: "a/b", etag: "e\(index)"))
            }
            try await broker.putObject(.tombstone(name: "n3", at: t(100)))
            let replica = try ContainerBroker(location: location, device: "sda1", partition: "9", account: "AUTH_test", container: "c", cache: cache)
            try await replica.initialize(putTimestamp: SwiftTimestamp(seconds: 1)!)
            // Copy in pages of 10 rows, as a replicator would, tracking the sync point.
            let source = try await broker.info()!.id
            var point: Int64 = -1
            while true {
                let page = try await broker.items(since: point, limit: 10)
                guard let last = page.last?.rowID else { break }
                try await replica.mergeItems(page, source: source)
                point = last
            }
            let original = try await broker.info()!, copy = try await replica.info()!
            XCTAssertEqual(copy.objectCount, 24)
            XCTAssertEqual(copy.bytesUsed, original.bytesUsed)
            XCTAssertEqual(copy.hash, original.hash)
            XCTAssertNotEqual(copy.hash, String(repeating: "0", count: 32))
            let value5 = try await replica.access { try await $0.syncPoint(remoteID: source) }
            XCTAssertEqual(value5, point)
            let value6 = try await broker.access { try await $0.maxRowID() }
            XCTAssertEqual(value6, point)
            // Merging the same rows again changes nothing.
            let value7 = try await replica.mergeItems(try await broker.items(since: -1, limit: 100))
            XCTAssertEqual(value7, 0)
            let value8 = try await replica.info()!.hash
            XCTAssertEqual(value8, original.hash)
            // Rows written after the sync point are all that is new.
            try await broker.putObject(ObjectRecord(name: "late", createdAt: t(200), size: 1, contentType: "a/b", etag: "l"))
            let value9 = try await broker.items(since: point).map(\.name)
            XCTAssertEqual(value9, ["late"])
        }
    }

    // MARK: Container state

    func testAContainerIsDeletedWhenItsDeleteIsNewerAndItIsEmpty() async throws {
        try await withContainer { broker, _, _ in
            let value10 = try await broker.isDeleted()
            XCTAssertTrue(value10)  // no database
            try await broker.initialize(putTimestamp: SwiftTimestamp(seconds: 10)!)
            let value11 = try await broker.isDeleted()
            XCTAssertFalse(value11)
            try await broker.putObject(ObjectRecord(name: "o", createdAt: SwiftTimestamp(seconds: 11)!, size: 1, contentType: "a/b", etag: "e"))
            try await broker.markDeleted(at: SwiftTimestamp(seconds: 20)!)
            let value12 = try await broker.isDeleted()
            XCTAssertFalse(value12, "not empty")
            try await broker.putObject(.tombstone(name: "o", at: SwiftTimestamp(seconds: 21)!))
            let value13 = try await broker.isDeleted()
            XCTAssertTrue(value13)
            let info = try await broker.info()!
            XCTAssertEqual(info.status, "DELETED")
            XCTAssertEqual(info.deleteTimestamp, SwiftTimestamp(seconds: 20)!)
            // A newer PUT revives it.
            try await broker.access { try await $0.updatePutTimestamp(SwiftTimestamp(seconds: 30)!) }
            let value14 = try await broker.isDeleted()
            XCTAssertFalse(value14)
        }
    }

    func testMetadataKeepsTheNewestValuePerKeyAndRemovesWithEmptyValues() async throws {
        try await withContainer { broker, _, _ in
            try await broker.initialize(putTimestamp: SwiftTimestamp(seconds: 1)!)
            let item = { (value: String, seconds: Double) in BrokerMetadata.Item(value: value, timestamp: SwiftTimestamp(seconds: seconds)!.internal) }
            try await broker.updateMetadata(["X-Container-Meta-Color": item("blue", 10), "X-Container-Meta-Size": item("L", 10)])
            try await broker.updateMetadata(["X-Container-Meta-Color": item("red", 5)])  // older: ignored
            try await broker.updateMetadata(["X-Container-Meta-Size": item("", 11)])  // removed
            let metadata = try await broker.info()!.metadata
            XCTAssertEqual(metadata.visible.map(\.key), ["X-Container-Meta-Color"])
            XCTAssertEqual(metadata.items["X-Container-Meta-Color"]?.value, "blue")
            XCTAssertEqual(metadata.items["X-Container-Meta-Size"], item("", 11))
            // Swift's limits: 90 items, 4096 bytes.
            var many: [String: BrokerMetadata.Item] = [:]
            for index in 0..<90 { many["X-Container-Meta-K\(index)"] = item("v", 20) }
            do {
                try await broker.updateMetadata(many)
                XCTFail("91 items were accepted")
            } catch BrokerError.metadataTooLarge(let message) {
                XCTAssertEqual(message, "Too many metadata items; max 90")
            }
            do {
                try await broker.updateMetadata(["X-Container-Meta-Big": item(String(repeating: "x", count: 4094), 20)])
                XCTFail("4101 bytes were accepted")
            } catch BrokerError.metadataTooLarge(let message) {
                XCTAssertEqual(message, "Total metadata too large; max 4096")
            }
            let value15 = try await broker.info()!.metadata
            XCTAssertEqual(value15, metadata, "a refused update stores nothing")
        }
    }

    // MARK: Connection cache

    func testTheConnectionCacheKeepsAtMostItsCapacityOfDatabasesOpen() async throws {
        let root = try StorageTestCluster.makeDevicesRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cache = BrokerConnectionCache(capacity: 16)
        let location = location(root)
        let openBefore = openDatabaseFiles(under: root)
        XCTAssertEqual(openBefore, 0)
        var mostOpen = 0
        var mostDescriptors = 0
        for index in 0..<200 {
            let broker = try ContainerBroker(location: location, device: "sda1", partition: String(index % 16), account: "AUTH_test", container: "c\(index)", cache: cache)
            try await broker.initialize(putTimestamp: SwiftTimestamp(seconds: 1)!)
            try await broker.putObject(ObjectRecord(name: "o", createdAt: SwiftTimestamp(seconds: 2)!, size: 1, contentType: "a/b", etag: "e"))
            if index % 20 == 19 {
                mostOpen = max(mostOpen, openDatabaseFiles(under: root))
                mostDescriptors = max(mostDescriptors, openFiles(under: root))
            }
        }
        let statistics = cache.statistics
        XCTAssertEqual(statistics.slots, 16)
        XCTAssertEqual(statistics.openConnections, 16)
        XCTAssertEqual(statistics.opened, 200)
        XCTAssertEqual(statistics.closed, 200 - 16)
        XCTAssertLessThanOrEqual(mostOpen, 16, "database files open at once")
        XCTAssertGreaterThan(mostOpen, 0)
        XCTAssertLessThanOrEqual(mostDescriptors, 3 * 16, "descriptors of databases, logs and log indexes")
        print("figure: at most \(mostOpen) database files and \(mostDescriptors) descriptors open for 200 containers with a cache of 16")
        // A recently used container is served from the cache: no new open.
        let hot = try ContainerBroker(location: location, device: "sda1", partition: String(199 % 16), account: "AUTH_test", container: "c199", cache: cache)
        for _ in 0..<10 { _ = try await hot.info() }
        XCTAssertEqual(cache.statistics.opened, 200)
        // An evicted one is opened again, and another is closed for it.
        let cold = try ContainerBroker(location: location, device: "sda1", partition: "0", account: "AUTH_test", container: "c0", cache: cache)
        let value16 = try await cold.info()?.objectCount
        XCTAssertEqual(value16, 1)
        XCTAssertEqual(cache.statistics.opened, 201)
        XCTAssertEqual(cache.statistics.openConnections, 16)
        await cache.closeAll()
        XCTAssertEqual(cache.statistics.openConnections, 0)
        XCTAssertEqual(openDatabaseFiles(under: root), 0)
    }

    func testConcurrentWritesToOneDatabaseAreSerialized() async throws {
        try await withContainer { broker, _, _ in
            try await broker.initialize(putTimestamp: SwiftTimestamp(seconds: 1)!)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        try await broker.putObject(
                            ObjectRecord(name: "o\(index % 50)", createdAt: SwiftTimestamp(seconds: Double(10 + index))!, size: Int64(index), contentType: "a/b", etag: "e"))
                    }
                }
                try await group.waitForAll()
            }
            let info = try await broker.info()!
            XCTAssertEqual(info.objectCount, 50)
            // The newest write of each name won: indexes 150..<200.
            XCTAssertEqual(info.bytesUsed, Int64((150..<200).reduce(0, +)))
        }
    }

    /// Files named `*.db` under `root` that this process has open.
    private func openDatabaseFiles(under root: String) -> Int {
        openFileTargets().filter { $0.hasPrefix(root) && $0.hasSuffix(".db") }.count
    }

    /// Descriptors of this process open on files under `root`.
    private func openFiles(under root: String) -> Int {
        openFileTargets().filter { $0.hasPrefix(root) }.count
    }

    private func openFileTargets() -> [String] {
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return descriptors.compactMap { try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)") }
    }
}

private func Insecure_MD5(_ text: String) -> [UInt8] {
    Array(Insecure.MD5.hash(data: Array(text.utf8)))
}
