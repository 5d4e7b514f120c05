import Foundation
import StratusKit
import XCTest

@testable import ObjectStorage

/// The library under `stratus ring …`.
final class RingToolTests: XCTestCase {
    func testCreateAddRebalanceShowOverABuilderFile() throws {
        let directory = try temporaryDirectory()
        let builderPath = directory + "/object.builder"
        XCTAssertTrue(
            try RingTool.create(builder: builderPath, partPower: 8, replicas: 3, minPartHours: 1).contains("256 partitions"))
        XCTAssertThrowsError(try RingTool.create(builder: builderPath, partPower: 8, replicas: 3, minPartHours: 1))
        for zone in 1...4 {
            let text = try RingTool.add(
                builder: builderPath,
                device: RingDevice(id: 0, region: 1, zone: zone, ip: "127.0.0.1", port: 6200, device: "d\(zone)", weight: 100))
            XCTAssertTrue(text.contains("got id \(zone - 1)"), text)
        }
        XCTAssertThrowsError(
            try RingTool.add(
                builder: builderPath,
                device: RingDevice(id: 0, region: 1, zone: 9, ip: "127.0.0.1", port: 6200, device: "d1", weight: 100)))
        XCTAssertTrue(try RingTool.show(builder: builderPath, now: t0).contains("not found"))

        let first = try RingTool.rebalance(builder: builderPath, seed: 1, now: t0)
        XCTAssertTrue(first.wrote)
        XCTAssertTrue(first.text.contains("Reassigned 768 of 768"), first.text)
        let ringPath = directory + "/object.ring"
        let ring = try RingFile.load(ringPath)
        XCTAssertEqual(ring.devices.compactMap { $0 }.count, 4)

        let shown = try RingTool.show(builder: builderPath, tiers: true, now: hours(0.25))
        XCTAssertTrue(shown.contains("256 partitions (part power 8), 3 replicas, 1 regions, 4 zones, 4 devices"), shown)
        XCTAssertTrue(shown.contains("is up to date"), shown)
        XCTAssertTrue(shown.contains("(0:45:00 remaining)"), shown)
        XCTAssertTrue(shown.contains("r1z3-127.0.0.1/d3"), shown)
        let deviceLine = try XCTUnwrap(shown.split(separator: "\n").first { $0.contains("d2  ") && $0.contains("100.00") })
        XCTAssertTrue(deviceLine.contains("192"), String(deviceLine))

        // Nothing changed: nothing written.
        let again = try RingTool.rebalance(builder: builderPath, seed: 2, now: hours(2))
        XCTAssertFalse(again.wrote)

        // Select by fields; an ambiguous selection is refused.
        XCTAssertThrowsError(try RingTool.setWeight(builder: builderPath, selector: .init(ip: "127.0.0.1"), weight: 5))
        XCTAssertThrowsError(try RingTool.setWeight(builder: builderPath, selector: .init(), weight: 5))
        XCTAssertThrowsError(try RingTool.remove(builder: builderPath, selector: .init(id: 42)))
        _ = try RingTool.setWeight(builder: builderPath, selector: .init(zone: 2, device: "d2"), weight: 50)
        XCTAssertTrue(try RingTool.show(builder: builderPath, now: hours(2)).contains("obsolete"))
        _ = try RingTool.remove(builder: builderPath, selector: .init(id: 3))
        XCTAssertTrue(try RingTool.show(builder: builderPath, now: hours(2)).contains("DEL"))

        let output = directory + "/elsewhere.ring"
        let third = try RingTool.rebalance(builder: builderPath, ringPath: output, seed: 3, now: hours(2))
        XCTAssertTrue(third.wrote)
        XCTAssertTrue(third.text.contains("Removed devices: 3."), third.text)
        XCTAssertEqual(try RingFile.load(output).devices.compactMap { $0 }.count, 3)
        XCTAssertEqual(try RingBuilderFile.load(builderPath).liveDevices.count, 3)

        XCTAssertTrue(try RingTool.writeRing(builder: builderPath).contains(ringPath))
        XCTAssertEqual(try RingFile.load(ringPath), try RingFile.load(output))
        _ = try RingTool.pretendMinPartHoursPassed(builder: builderPath)
        XCTAssertTrue(try RingBuilderFile.load(builderPath).lastMoved.allSatisfy { $0 == 0 })
        XCTAssertEqual(RingTool.defaultRingPath(forBuilder: "/x/account.builder"), "/x/account.ring")
    }

    func testRebalanceWithinMinPartHoursSaysSo() throws {
        let directory = try temporaryDirectory()
        let builderPath = directory + "/container.builder"
        _ = try RingTool.create(builder: builderPath, partPower: 6, replicas: 2, minPartHours: 24)
        for zone in 1...3 {
            _ = try RingTool.add(
                builder: builderPath,
                device: RingDevice(id: 0, region: 1, zone: zone, ip: "127.0.0.1", port: 6201, device: "d\(zone)", weight: 100))
        }
        _ = try RingTool.rebalance(builder: builderPath, seed: 1, now: t0)
        _ = try RingTool.setWeight(builder: builderPath, selector: .init(id: 0), weight: 300)
        // Devices changed, so the files are written, but nothing may move yet.
        let blocked = try RingTool.rebalance(builder: builderPath, seed: 2, now: hours(1))
        XCTAssertTrue(blocked.wrote)
        XCTAssertEqual(blocked.result?.movedPartReplicas, 0)
        XCTAssertTrue(blocked.text.contains("NOTE"), blocked.text)
        let still = try RingTool.rebalance(builder: builderPath, seed: 3, now: hours(2))
        XCTAssertFalse(still.wrote)
        XCTAssertTrue(still.text.contains("cannot move again yet (22:00:00 left)"), still.text)
    }

    func testDefaultRingsAreMadeOnceForNDevicesInNZones() throws {
        let directory = try temporaryDirectory() + "/rings"
        let written = try DefaultRings.ensure(in: directory, deviceCount: 4, seed: 1, now: t0)
        XCTAssertEqual(written.map { URL(fileURLWithPath: $0).lastPathComponent }, ["account.ring", "container.ring", "object.ring"])
        for (kind, port) in [("account", 6202), ("container", 6201), ("object", 6200)] {
            let ring = try Ring(path: "\(directory)/\(kind).ring", hashPath: HashPath(suffix: "changeme"))
            XCTAssertEqual(ring.replicaCount, 3)
            XCTAssertEqual(ring.partPower, 10)
            XCTAssertEqual(ring.devices.map(\.zone), [1, 2, 3, 4])
            XCTAssertEqual(ring.devices.map(\.device), ["d1", "d2", "d3", "d4"])
            XCTAssertTrue(ring.devices.allSatisfy { $0.port == port && $0.ip == "127.0.0.1" })
            for partition in 0..<ring.partitionCount {
                XCTAssertEqual(Set(ring.primaryNodes(partition: partition).map(\.zone)).count, 3)
            }
        }
        let rings = try StorageRings(directory: directory, hashPath: HashPath(suffix: "changeme"))
        XCTAssertEqual(rings.account.devices.first?.port, 6202)
        XCTAssertEqual(rings.container.devices.first?.port, 6201)
        XCTAssertEqual(rings.object.devices.first?.port, 6200)
        let before = try Data(contentsOf: URL(fileURLWithPath: directory + "/object.ring"))
        XCTAssertEqual(try DefaultRings.ensure(in: directory, deviceCount: 4), [])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: directory + "/object.ring")), before)

        // A lost ring file is rewritten from its builder, unchanged.
        try FileManager.default.removeItem(atPath: directory + "/object.ring")
        XCTAssertEqual(try DefaultRings.ensure(in: directory, deviceCount: 4).count, 1)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: directory + "/object.ring")), before)

        // One device: one replica.
        let single = try temporaryDirectory()
        try DefaultRings.ensure(in: single, deviceCount: 1)
        XCTAssertEqual(try RingFile.load(single + "/object.ring").replicaCount, 1)
    }
}
