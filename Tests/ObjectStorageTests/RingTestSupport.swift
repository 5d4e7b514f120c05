import Foundation
import StratusKit
import Synchronization
import XCTest

@testable import ObjectStorage

/// A clock tests move by hand.
final class ManualClock: Sendable {
    private let time: Mutex<Timestamp>

    init(_ start: Timestamp = Timestamp(microseconds: 1_767_225_600_000_000)) { time = Mutex(start) }

    var now: Timestamp { time.withLock { $0 } }

    func advance(seconds: Int64) { time.withLock { $0 = $0.adding(seconds: seconds) } }

    var function: @Sendable () -> Timestamp { { self.now } }
}

let t0 = Timestamp(microseconds: 1_767_225_600_000_000)  // 2026-01-01T00:00:00Z

func hours(_ count: Double) -> Timestamp {
    Timestamp(microseconds: t0.microseconds + Int64(count * 3_600_000_000))
}

/// A builder with one device per `(region, zone, weight)`, on 127.0.0.1 ports 6200 + index.
func makeBuilder(
    partPower: Int = 10, replicas: Int = 3, minPartHours: Int = 1, devices: [(region: Int, zone: Int, weight: Double)]
) throws -> RingBuilder {
    var builder = try RingBuilder(partPower: partPower, replicas: replicas, minPartHours: minPartHours)
    for (index, device) in devices.enumerated() {
        try builder.addDevice(
            region: device.region, zone: device.zone, ip: "127.0.0.1", port: 6200 + index, device: "d\(index + 1)",
            weight: device.weight)
    }
    return builder
}

func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "ring-tests-" + IDGenerator.hex().prefix(10)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

extension RingBuilder {
    /// Checks the table's invariants: every slot assigned to a live device, and no device twice in a partition.
    func assertValid(file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(assignments.count, replicas * partitions, file: file, line: line)
        for partition in 0..<partitions {
            let ids = deviceIDs(forPartition: partition)
            XCTAssertEqual(Set(ids).count, replicas, "partition \(partition): \(ids)", file: file, line: line)
            for id in ids {
                XCTAssertTrue(id < devices.count && devices[id] != nil, "partition \(partition) on device \(id)", file: file, line: line)
            }
        }
    }

    /// Slots whose device differs from `other`'s.
    func changedSlots(since other: [UInt16]) -> [(partition: Int, replica: Int, from: Int, to: Int)] {
        assignments.indices.compactMap { index in
            assignments[index] == other[index]
                ? nil
                : (index % partitions, index / partitions, Int(other[index]), Int(assignments[index]))
        }
    }
}
