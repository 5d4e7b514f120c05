import Crypto
import Foundation
import StratusKit
import XCTest

@testable import ObjectStorage

final class RingTests: XCTestCase {
    // MARK: Partitions

    func testPartitionsAreComputedAsSwiftComputesThem() throws {
        let hash = HashPath(prefix: "", suffix: "changeme")
        // By hand: MD5("" + "/AUTH_test/c/o" + "changeme"), first four bytes big-endian, top 10 bits.
        let digest = Array(Insecure.MD5.hash(data: Array("/AUTH_test/c/ochangeme".utf8)))
        XCTAssertEqual(Hex.lowercase(digest), "7363996f2cfb95eaa18df19ccc31aece")
        let word = UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
        XCTAssertEqual(Int(word >> 22), 461)
        XCTAssertEqual(try hash.partition(account: "AUTH_test", container: "c", object: "o", partPower: 10), 461)
        // The values Swift's hash_path and get_part give for the same inputs.
        XCTAssertEqual(try hash.partition(account: "AUTH_test", partPower: 10), 628)
        XCTAssertEqual(try hash.partition(account: "AUTH_test", container: "c", partPower: 10), 155)
        XCTAssertEqual(try hash.partition(account: "AUTH_test", container: "c", object: "", partPower: 10), 155)
        XCTAssertEqual(try hash.partition(account: "AUTH_test", container: "photos", object: "2024/ß.jpg", partPower: 10), 514)
        XCTAssertEqual(
            try HashPath(prefix: "startcap", suffix: "changeme").partition(
                account: "AUTH_test", container: "c", object: "o", partPower: 18), 70623)
        XCTAssertEqual(try hash.partition(account: "a", container: "c", object: "o", partPower: 0), 0)
        XCTAssertThrowsError(try hash.partition(account: "a", container: nil, object: "o", partPower: 10))
    }

    // MARK: Files

    func testRingFileRoundTrips() throws {
        var builder = try makeBuilder(partPower: 8, devices: (1...4).map { (1, $0, 100) })
        try builder.add(
            RingDevice(
                id: 0, region: 2, zone: 1, ip: "2001:db8::5", port: 6200, replicationIP: "198.51.100.7",
                replicationPort: 6300, device: "sdb1", weight: 50, meta: "bay 3"))
        try builder.rebalance(now: t0, seed: 1)
        try builder.remove(device: 1)
        try builder.rebalance(now: hours(0.1), seed: 2)
        XCTAssertNil(builder.devices[1])
        let ring = try builder.ringData()
        let bytes = try RingFile.encode(ring)
        XCTAssertEqual(Array(bytes[0..<4]), Array("SRNG".utf8))
        XCTAssertEqual(bytes.count, 10 + Int(UInt32(bytes[6]) << 24 | UInt32(bytes[7]) << 16 | UInt32(bytes[8]) << 8 | UInt32(bytes[9])) + 2 * 3 * 256)
        let decoded = try RingFile.decode(bytes)
        XCTAssertEqual(decoded, ring)
        XCTAssertEqual(decoded.partShift, 24)
        XCTAssertNil(decoded.devices[1])
        XCTAssertEqual(decoded.devices[4]?.meta, "bay 3")
        XCTAssertEqual(decoded.devices[4]?.replicationPort, 6300)

        var corrupt = bytes
        corrupt[0] = 0x58
        XCTAssertThrowsError(try RingFile.decode(corrupt))
        XCTAssertThrowsError(try RingFile.decode(Array(bytes.dropLast())))
        var badDevice = bytes
        badDevice[badDevice.count - 2] = 0x09  // device 9 does not exist
        XCTAssertThrowsError(try RingFile.decode(badDevice))
    }

    func testBuilderFileRoundTrips() throws {
        let directory = try temporaryDirectory()
        var builder = try makeBuilder(partPower: 9, minPartHours: 6, devices: (1...5).map { (1, $0, 100) })
        try builder.rebalance(now: t0, seed: 3)
        try builder.setWeight(20, ofDevice: 3)
        try builder.remove(device: 0)
        let path = directory + "/object.builder"
        try RingBuilderFile.write(builder, to: path)
        let loaded = try RingBuilderFile.load(path)
        XCTAssertEqual(loaded.id, builder.id)
        XCTAssertEqual(loaded.partPower, 9)
        XCTAssertEqual(loaded.replicas, 3)
        XCTAssertEqual(loaded.minPartHours, 6)
        XCTAssertEqual(loaded.version, builder.version)
        XCTAssertEqual(loaded.devices, builder.devices)
        XCTAssertEqual(loaded.pendingRemoval, [0])
        XCTAssertTrue(loaded.devicesChanged)
        XCTAssertEqual(loaded.assignments, builder.assignments)
        XCTAssertEqual(loaded.lastMoved, builder.lastMoved)
        XCTAssertEqual(loaded.lastRebalance, t0)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains("\"format\" : \"stratus-ring-builder\""), text)
        XCTAssertThrowsError(try RingBuilderFile.load(directory + "/missing.builder"))
        try Data("{}".utf8).write(to: URL(fileURLWithPath: directory + "/bad.builder"))
        XCTAssertThrowsError(try RingBuilderFile.load(directory + "/bad.builder"))
        // No temporary files are left behind by the atomic writes.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).sorted(), ["bad.builder", "object.builder"])
    }

    // MARK: Nodes

    func testPrimaryNodesFollowTheTable() throws {
        var builder = try makeBuilder(partPower: 8, devices: (1...4).map { (1, $0, 100) })
        try builder.rebalance(now: t0, seed: 4)
        let ring = try builder.ringData()
        for partition in [0, 17, 255] {
            XCTAssertEqual(ring.primaryNodes(partition: partition).map(\.id), builder.deviceIDs(forPartition: partition))
        }
        XCTAssertEqual(ring.primaryNodes(partition: 256), [])
        XCTAssertEqual(ring.primaryNodes(partition: -1), [])
        XCTAssertEqual(Array(ring.handoffNodes(partition: 256)), [])
    }

    func testHandoffsSkipPrimariesAndPreferOtherZonesThenOtherRegions() throws {
        // Two regions; region 1 has zones 1-3, region 2 has zone 1; two devices per zone on one server.
        var builder = try RingBuilder(partPower: 10, replicas: 3, minPartHours: 1)
        for (region, zone) in [(1, 1), (1, 2), (1, 3), (2, 1)] {
            for disk in 1...2 {
                try builder.addDevice(
                    region: region, zone: zone, ip: "10.\(region).\(zone).1", port: 6200, device: "sd\(disk)", weight: 100)
            }
        }
        try builder.rebalance(now: t0, seed: 5)
        let ring = try builder.ringData()
        for partition in 0..<ring.partitionCount {
            let primaries = ring.primaryNodes(partition: partition)
            let handoffs = Array(ring.handoffNodes(partition: partition))
            XCTAssertEqual(handoffs.count, 8 - 3, "partition \(partition)")
            XCTAssertEqual(Set(handoffs.map(\.id)).count, handoffs.count, "a handoff repeats")
            XCTAssertTrue(Set(handoffs.map(\.id)).isDisjoint(with: primaries.map(\.id)), "a handoff is a primary")
            // Every region is used by the primaries (one replica in region 2), so the first
            // handoff must be in the one zone no primary is in.
            let usedZones = Set(primaries.map { [$0.region, $0.zone] })
            XCTAssertEqual(usedZones.count, 3)
            XCTAssertFalse(usedZones.contains([handoffs[0].region, handoffs[0].zone]), "partition \(partition)")
        }
        // One replica: the first handoff is always in the other region.
        var oneReplica = try RingBuilder(partPower: 6, replicas: 1, minPartHours: 1)
        for (region, zone) in [(1, 1), (1, 2), (1, 3), (2, 1)] {
            try oneReplica.addDevice(region: region, zone: zone, ip: "10.\(region).\(zone).1", port: 6200, device: "sdb", weight: 100)
        }
        try oneReplica.rebalance(now: t0, seed: 6)
        let small = try oneReplica.ringData()
        for partition in 0..<small.partitionCount {
            let primary = small.primaryNodes(partition: partition)[0]
            let handoffs = Array(small.handoffNodes(partition: partition))
            XCTAssertEqual(handoffs.count, 3)
            XCTAssertNotEqual(handoffs[0].region, primary.region, "partition \(partition)")
        }
    }

    func testHandoffsAreLazyAndStable() throws {
        var builder = try makeBuilder(partPower: 12, devices: (1...12).map { (1, $0, 100) })
        try builder.rebalance(now: t0, seed: 7)
        let ring = try builder.ringData()
        var iterator = ring.handoffNodes(partition: 99).makeIterator()
        let first = iterator.next()
        XCTAssertNotNil(first)
        XCTAssertEqual(Array(ring.handoffNodes(partition: 99)).first, first)
        XCTAssertEqual(Array(ring.handoffNodes(partition: 99)).count, 9)
    }

    // MARK: Loading and reloading

    func testRingLoadsFindsNodesAndReloadsWhenTheFileChanges() throws {
        let directory = try temporaryDirectory()
        let path = directory + "/object.ring"
        var builder = try makeBuilder(partPower: 10, devices: (1...4).map { (1, $0, 100) })
        try builder.rebalance(now: t0, seed: 8)
        try RingFile.write(try builder.ringData(), to: path)

        let clock = ManualClock()
        let ring = try Ring(path: path, hashPath: HashPath(suffix: "changeme"), reloadInterval: 15, clock: clock.function)
        XCTAssertEqual(ring.partPower, 10)
        XCTAssertEqual(ring.replicaCount, 3)
        let (partition, nodes) = try ring.nodes(account: "AUTH_test", container: "c", object: "o")
        XCTAssertEqual(partition, 461)
        XCTAssertEqual(nodes.map(\.id), builder.deviceIDs(forPartition: 461))
        XCTAssertEqual(ring.primaryNodes(partition: 461), nodes)
        XCTAssertEqual(Array(ring.handoffNodes(partition: 461)).count, 1)

        // A new ring with a fifth device, written atomically over the old one.
        try builder.addDevice(region: 1, zone: 5, ip: "127.0.0.1", port: 6300, device: "d5", weight: 100)
        try builder.rebalance(now: hours(2), seed: 9)
        try RingFile.write(try builder.ringData(), to: path)

        // Not noticed before the interval has passed...
        clock.advance(seconds: 10)
        XCTAssertEqual(ring.devices.count, 4)
        XCTAssertEqual(ring.reloadCount, 0)
        // ... and noticed after it.
        clock.advance(seconds: 6)
        XCTAssertEqual(ring.devices.count, 5)
        XCTAssertEqual(ring.reloadCount, 1)
        XCTAssertEqual(ring.data.version, builder.version)
        XCTAssertEqual(ring.primaryNodes(partition: 461).map(\.id), builder.deviceIDs(forPartition: 461))
        // An unchanged file is not loaded again.
        clock.advance(seconds: 60)
        XCTAssertEqual(ring.devices.count, 5)
        XCTAssertEqual(ring.reloadCount, 1)

        // A broken file leaves the old ring in place.
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertFalse(ring.reloadIfChanged())
        XCTAssertNotNil(ring.lastReloadError)
        XCTAssertEqual(ring.devices.count, 5)
        try RingFile.write(try builder.ringData(), to: path)
        XCTAssertTrue(ring.reloadIfChanged())
        XCTAssertNil(ring.lastReloadError)
    }

    func testRingWithoutAFileCannotBeMade() throws {
        let directory = try temporaryDirectory()
        XCTAssertThrowsError(try Ring(path: directory + "/none.ring", hashPath: HashPath(suffix: "x")))
    }
}
