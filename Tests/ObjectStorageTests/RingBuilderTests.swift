import StratusKit
import XCTest

@testable import ObjectStorage

final class RingBuilderTests: XCTestCase {
    func testEveryPartitionGetsDistinctDevicesInDistinctZones() throws {
        var builder = try makeBuilder(partPower: 12, devices: (1...4).map { (1, $0, 100) })
        let result = try builder.rebalance(now: t0, seed: 1)
        builder.assertValid()
        XCTAssertEqual(result.movedPartReplicas, 3 * 4096)
        for partition in 0..<builder.partitions {
            let zones = builder.deviceIDs(forPartition: partition).map { builder.devices[$0]!.zone }
            XCTAssertEqual(Set(zones).count, 3, "partition \(partition) zones \(zones)")
        }
        XCTAssertEqual(builder.partsPerDevice(), [3072, 3072, 3072, 3072])
        XCTAssertEqual(builder.balance(), 0, accuracy: 0.001)
        XCTAssertEqual(builder.dispersion(), 0)
    }

    func testSeveralDevicesPerZoneStillSpreadOverZones() throws {
        // 4 zones of 2 devices, each device on its own server.
        var builder = try RingBuilder(partPower: 11, replicas: 3, minPartHours: 1)
        for zone in 1...4 {
            for disk in 1...2 {
                try builder.addDevice(
                    region: 1, zone: zone, ip: "10.0.\(zone).\(disk)", port: 6200, device: "sd\(disk)", weight: 100)
            }
        }
        try builder.rebalance(now: t0, seed: 2)
        builder.assertValid()
        for partition in 0..<builder.partitions {
            let zones = builder.deviceIDs(forPartition: partition).map { builder.devices[$0]!.zone }
            XCTAssertEqual(Set(zones).count, 3)
        }
        XCTAssertLessThan(builder.balance(), 1)
        XCTAssertEqual(builder.dispersion(), 0)
    }

    func testFewerZonesThanReplicasSpreadOverServersAndDevices() throws {
        // 2 zones: one zone must hold two replicas of each partition, but never on one device,
        // and on different servers where it can.
        var builder = try RingBuilder(partPower: 10, replicas: 3, minPartHours: 1)
        for (zone, ip) in [(1, "10.0.0.1"), (1, "10.0.0.2"), (2, "10.0.1.1"), (2, "10.0.1.2")] {
            try builder.addDevice(region: 1, zone: zone, ip: ip, port: 6200, device: "sdb", weight: 100)
        }
        try builder.rebalance(now: t0, seed: 3)
        builder.assertValid()
        for partition in 0..<builder.partitions {
            let devices = builder.deviceIDs(forPartition: partition).map { builder.devices[$0]! }
            let perZone = Dictionary(grouping: devices, by: \.zone).mapValues(\.count)
            XCTAssertEqual(perZone.values.sorted(), [1, 2])
            XCTAssertEqual(Set(devices.map(\.ip)).count, 3)
        }
        XCTAssertEqual(builder.dispersion(), 0)
        XCTAssertLessThan(builder.balance(), 1)
    }

    func testRegionsComeBeforeZones() throws {
        // Region 1 has three zones, region 2 one: every partition keeps a replica in each region.
        var builder = try makeBuilder(devices: [(1, 1, 100), (1, 2, 100), (1, 3, 100), (2, 1, 100)])
        try builder.rebalance(now: t0, seed: 4)
        builder.assertValid()
        for partition in 0..<builder.partitions {
            let regions = builder.deviceIDs(forPartition: partition).map { builder.devices[$0]!.region }
            XCTAssertEqual(regions.filter { $0 == 2 }.count, 1, "partition \(partition): \(regions)")
        }
    }

    func testPartitionsFollowWeights() throws {
        let weights: [Double] = [100, 100, 200, 200, 300, 300]
        var builder = try makeBuilder(partPower: 12, devices: weights.enumerated().map { (1, $0.offset + 1, $0.element) })
        try builder.rebalance(now: t0, seed: 5)
        builder.assertValid()
        let total = Double(3 * 4096)
        let parts = builder.partsPerDevice()
        for (id, weight) in weights.enumerated() {
            let wanted = total * weight / weights.reduce(0, +)
            XCTAssertEqual(Double(parts[id]), wanted, accuracy: wanted * 0.01, "device \(id)")
        }
        XCTAssertLessThan(builder.balance(), 1)
        XCTAssertEqual(builder.dispersion(), 0)
    }

    func testAddingADeviceInANewZoneMovesOnlyItsShare() throws {
        var builder = try makeBuilder(partPower: 12, devices: (1...4).map { (1, $0, 100) })
        try builder.rebalance(now: t0, seed: 6)
        let before = builder.assignments
        let added = try builder.addDevice(region: 1, zone: 5, ip: "127.0.0.1", port: 6300, device: "d5", weight: 100)
        let result = try builder.rebalance(now: hours(2), seed: 7)
        builder.assertValid()
        let ideal = 3.0 * 4096 / 5  // the new device's fair share: 2457.6 partition-replicas
        XCTAssertEqual(Double(builder.partsPerDevice()[added.id]), ideal, accuracy: 1)
        XCTAssertLessThanOrEqual(Double(result.movedPartReplicas), ideal.rounded(.up))
        XCTAssertTrue(builder.changedSlots(since: before).allSatisfy { $0.to == added.id }, "replicas moved between old devices")
        XCTAssertEqual(result.movedPartitions, result.movedPartReplicas, "a partition moved two replicas at once")
        XCTAssertLessThan(builder.balance(), 1)
        XCTAssertEqual(builder.dispersion(), 0)
    }

    func testAddingADeviceToAnExistingZoneMovesOnlyWhatTheNewPlanNeeds() throws {
        var builder = try makeBuilder(partPower: 12, devices: (1...4).map { (1, $0, 100) })
        try builder.rebalance(now: t0, seed: 8)
        let before = builder.assignments
        // Zone 1 now has two devices; with 4 zones and 3 replicas a zone holds at most one replica
        // of a partition, so zone 1 takes one replica of every partition, split between its two devices.
        let added = try builder.addDevice(region: 1, zone: 1, ip: "127.0.0.2", port: 6200, device: "d5", weight: 100)
        let result = try builder.rebalance(now: hours(2), seed: 9)
        builder.assertValid()
        let newShare = Double(builder.partsPerDevice()[added.id])
        XCTAssertEqual(newShare, 2048, accuracy: 2)
        XCTAssertLessThanOrEqual(Double(result.movedPartReplicas), newShare)
        XCTAssertTrue(builder.changedSlots(since: before).allSatisfy { $0.to == added.id })
        XCTAssertEqual(builder.dispersion(), 0)
        for partition in 0..<builder.partitions {
            let zones = builder.deviceIDs(forPartition: partition).map { builder.devices[$0]!.zone }
            XCTAssertEqual(Set(zones).count, 3)
        }
    }

    func testMinPartHoursKeepsRecentlyMovedPartitionsInPlace() throws {
        var builder = try makeBuilder(partPower: 10, minPartHours: 1, devices: (1...4).map { (1, $0, 100) })
        try builder.rebalance(now: t0, seed: 10)
        let initial = builder.assignments
        let added = try builder.addDevice(region: 1, zone: 5, ip: "127.0.0.1", port: 6300, device: "d5", weight: 100)

        // Half an hour after the first rebalance every partition has just moved: nothing may move.
        let early = try builder.rebalance(now: hours(0.5), seed: 11)
        XCTAssertEqual(early.movedPartReplicas, 0)
        XCTAssertEqual(builder.assignments, initial)
        XCTAssertEqual(builder.partsPerDevice()[added.id], 0)
        XCTAssertGreaterThan(early.devicesOffTarget, 0)
        XCTAssertEqual(builder.minPartSecondsLeft(now: hours(0.75)), 900)

        // After an hour they may.
        let later = try builder.rebalance(now: hours(1.01), seed: 12)
        XCTAssertGreaterThan(later.movedPartReplicas, 600)
        let movedAtOneHour = Set(builder.changedSlots(since: initial).map(\.partition))
        let afterSecond = builder.assignments

        // Ten minutes later, a weight change: the partitions just moved must stay, others may move.
        try builder.setWeight(300, ofDevice: added.id)
        let third = try builder.rebalance(now: hours(1.2), seed: 13)
        XCTAssertGreaterThan(third.movedPartReplicas, 0)
        let movedNow = builder.changedSlots(since: afterSecond)
        XCTAssertFalse(movedNow.isEmpty)
        for slot in movedNow {
            XCTAssertFalse(movedAtOneHour.contains(slot.partition), "partition \(slot.partition) moved twice within an hour")
        }
        builder.assertValid()

        // Pretending the hours passed lets everything move.
        builder.pretendMinPartHoursPassed()
        XCTAssertTrue(builder.lastMoved.allSatisfy { $0 == 0 })
    }

    func testRemovingADeviceMovesOnlyItsPartitionsEvenWithinMinPartHours() throws {
        var builder = try makeBuilder(partPower: 11, minPartHours: 24, devices: (1...5).map { (1, $0, 100) })
        try builder.rebalance(now: t0, seed: 14)
        let before = builder.assignments
        let held = builder.partsPerDevice()[2]
        try builder.remove(device: 2)
        XCTAssertEqual(builder.devices[2]?.weight, 0)
        XCTAssertThrowsError(try builder.setWeight(50, ofDevice: 2))
        let result = try builder.rebalance(now: hours(0.1), seed: 15)
        XCTAssertEqual(result.removedDevices, [2])
        XCTAssertNil(builder.devices[2])
        XCTAssertEqual(result.movedPartReplicas, held)
        XCTAssertTrue(builder.changedSlots(since: before).allSatisfy { $0.from == 2 })
        builder.assertValid()
        XCTAssertEqual(builder.dispersion(), 0)
        XCTAssertLessThan(builder.balance(), 1)

        // The freed id is reused by the next device.
        let added = try builder.addDevice(region: 1, zone: 9, ip: "127.0.0.1", port: 7000, device: "d9", weight: 100)
        XCTAssertEqual(added.id, 2)
    }

    func testZeroWeightDrainsADeviceAfterMinPartHours() throws {
        var builder = try makeBuilder(partPower: 10, devices: (1...5).map { (1, $0, 100) })
        try builder.rebalance(now: t0, seed: 16)
        let before = builder.assignments
        let held = builder.partsPerDevice()[4]
        try builder.setWeight(0, ofDevice: 4)
        let blocked = try builder.rebalance(now: hours(0.5), seed: 17)
        XCTAssertEqual(blocked.movedPartReplicas, 0)
        XCTAssertEqual(builder.balancePerDevice()[4], RingBuilder.maxBalance)
        let drained = try builder.rebalance(now: hours(2), seed: 18)
        XCTAssertEqual(builder.partsPerDevice()[4], 0)
        XCTAssertTrue(builder.changedSlots(since: before).allSatisfy { $0.from == 4 })
        XCTAssertEqual(drained.movedPartReplicas, held)
        XCTAssertNotNil(builder.devices[4], "a drained device stays in the ring until removed")
        builder.assertValid()
    }

    func testTinyRingsWork() throws {
        var single = try makeBuilder(partPower: 0, devices: (1...4).map { (1, $0, 100) })
        try single.rebalance(now: t0, seed: 1)
        single.assertValid()
        let ring = try single.ringData()
        XCTAssertEqual(ring.partShift, 32)
        XCTAssertEqual(try HashPath(suffix: "x").partition(account: "a", partPower: 0), 0)
        // As in Swift, handoffs come only from devices holding partitions; the fourth holds none.
        XCTAssertEqual(Array(ring.handoffNodes(partition: 0)).count, 0)
        var oneReplica = try makeBuilder(partPower: 4, replicas: 1, devices: [(1, 1, 100)])
        try oneReplica.rebalance(now: t0, seed: 2)
        XCTAssertEqual(oneReplica.partsPerDevice(), [16])
    }

    func testSameSeedMakesTheSameRing() throws {
        var first = try makeBuilder(devices: (1...6).map { (1, ($0 + 1) / 2, 100) })
        var second = first
        try first.rebalance(now: t0, seed: 42)
        try second.rebalance(now: t0, seed: 42)
        XCTAssertEqual(first.assignments, second.assignments)
    }

    func testDevicesAreValidated() throws {
        var builder = try RingBuilder(partPower: 8, replicas: 3, minPartHours: 1)
        let good = RingDevice(id: 0, region: 1, zone: 1, ip: "127.0.0.1", port: 6200, device: "d1", weight: 100)
        var bad = good
        bad.ip = "300.1.1.1"
        XCTAssertThrowsError(try builder.add(bad))
        bad = good
        bad.port = 0
        XCTAssertThrowsError(try builder.add(bad))
        bad = good
        bad.device = ""
        XCTAssertThrowsError(try builder.add(bad))
        bad = good
        bad.device = "a/b"
        XCTAssertThrowsError(try builder.add(bad))
        bad = good
        bad.weight = -1
        XCTAssertThrowsError(try builder.add(bad))
        bad = good
        bad.zone = -1
        XCTAssertThrowsError(try builder.add(bad))
        try builder.add(good)
        XCTAssertThrowsError(try builder.add(good), "same ip, port and device twice")
        var v6 = good
        v6.ip = "[2001:DB8:0:0:0:0:0:1]"
        v6.device = "d2"
        XCTAssertEqual(try builder.add(v6).ip, "2001:db8::1")
        var host = good
        host.ip = "Storage-1.Example.com"
        host.device = "d3"
        XCTAssertEqual(try builder.add(host).ip, "storage-1.example.com")
        XCTAssertThrowsError(try RingBuilder(partPower: 25, replicas: 3, minPartHours: 1))
        XCTAssertThrowsError(try RingBuilder(partPower: 8, replicas: 0, minPartHours: 1))
        XCTAssertThrowsError(try RingBuilder(partPower: 8, replicas: 3, minPartHours: -1))
    }

    func testRebalanceNeedsAsManyWeightedDevicesAsReplicas() throws {
        var builder = try makeBuilder(devices: [(1, 1, 100), (1, 2, 100), (1, 3, 0)])
        XCTAssertThrowsError(try builder.rebalance(now: t0)) { error in
            XCTAssertTrue("\(error)".contains("at least 3 devices"), "\(error)")
        }
        XCTAssertFalse(builder.hasBeenRebalanced)
    }

    func testDispersionCountsReplicasCrowdedIntoOneZone() throws {
        var builder = try makeBuilder(partPower: 4, devices: (1...4).map { (1, $0, 100) })
        try builder.rebalance(now: t0, seed: 19)
        XCTAssertEqual(builder.dispersion(), 0)
        // A second device in zone 1 (its own server), and partition 0 placed by hand on both zone 1
        // devices: one of the 48 partition-replicas is beyond the zone's maximum of one.
        let extra = try builder.addDevice(region: 1, zone: 1, ip: "127.0.0.9", port: 6200, device: "x", weight: 100)
        for (replica, id) in [0, extra.id, 1].enumerated() {
            builder.assignments[replica * builder.partitions] = UInt16(id)
        }
        let report = builder.dispersionReport()
        XCTAssertEqual(report.dispersion, 100.0 / 48, accuracy: 0.0001)
        XCTAssertEqual(report.worstTier?.name, "r1z1")
        XCTAssertEqual(report.tiers.first { $0.name == "r1z1" }?.partitionsWith[2], 1)
        // A rebalance puts it right (the partition has not moved within min part hours by then).
        try builder.rebalance(now: hours(2), seed: 20)
        XCTAssertEqual(builder.dispersion(), 0)
        builder.assertValid()
    }

    /// Random topologies and changes: the table stays valid, no partition moves more than one
    /// replica per rebalance (plus those on removed devices), and the partition-replicas moved
    /// stay close to what the new plan forces off devices above their share.
    func testRandomChangesKeepTheRingValidAndMovesSmall() throws {
        var random = SplitMix64(seed: 99)
        var totalMoved = 0
        var totalForced = 0
        for _ in 0..<30 {
            let replicas = Int.random(in: 1...4, using: &random)
            let zones = Int.random(in: 1...6, using: &random)
            let regions = Int.random(in: 1...2, using: &random)
            var builder = try RingBuilder(partPower: Int.random(in: 6...10, using: &random), replicas: replicas, minPartHours: 1)
            var port = 6000
            func addDevice() throws {
                port += 1
                try builder.addDevice(
                    region: Int.random(in: 1...regions, using: &random), zone: Int.random(in: 1...zones, using: &random),
                    ip: "10.0.0.\(Int.random(in: 1...3, using: &random))", port: port, device: "d",
                    weight: [50.0, 100, 100, 200].randomElement(using: &random)!)
            }
            while builder.liveDevices.count < max(replicas, 3) { try addDevice() }
            var now = t0
            try builder.rebalance(now: now, seed: random.next())
            builder.assertValid()
            for _ in 0..<4 {
                let live = builder.liveDevices
                switch Int.random(in: 0...2, using: &random) {
                case 0: try addDevice()
                case 1 where live.count > replicas + 1: try builder.remove(device: live.randomElement(using: &random)!.id)
                default:
                    try builder.setWeight(
                        [0.0, 50, 150, 300].randomElement(using: &random)!, ofDevice: live.randomElement(using: &random)!.id)
                }
                let weighted = builder.liveDevices.filter { $0.weight > 0 && !builder.pendingRemoval.contains($0.id) }
                guard weighted.count >= replicas else { continue }
                let before = builder.assignments
                let held = builder.partsPerDevice()
                let planned = builder.plannedParts()
                let removing = builder.pendingRemoval
                now = now.adding(seconds: 7200)
                let result = try builder.rebalance(now: now, seed: random.next())
                builder.assertValid()
                let changed = builder.changedSlots(since: before)
                XCTAssertEqual(changed.count, result.movedPartReplicas)
                for (partition, slots) in Dictionary(grouping: changed, by: \.partition) {
                    XCTAssertLessThanOrEqual(
                        slots.filter { !removing.contains($0.from) }.count, 1, "partition \(partition) moved twice")
                }
                totalMoved += result.movedPartReplicas
                totalForced += held.indices.reduce(0) { $0 + max(held[$1] - (planned[$1] ?? 0), 0) }
            }
        }
        XCTAssertLessThanOrEqual(Double(totalMoved), Double(totalForced) * 1.05, "moved \(totalMoved), forced \(totalForced)")
    }
}
