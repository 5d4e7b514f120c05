import Foundation
import StratusKit

/// The builder file (`object.builder` ...): everything needed to rebalance again, as JSON.
///
/// ```
/// {
///   "format": "stratus-ring-builder", "format_version": 1,
///   "id": "9f0c…",                  // random hex, copied into the ring files
///   "part_power": 10, "replicas": 3, "min_part_hours": 1,
///   "version": 12,                  // bumped by every change
///   "devices_changed": false,       // devices changed since the last rebalance
///   "devs": [ {"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1", "port": 6200,
///              "replication_ip": "127.0.0.1", "replication_port": 6200,
///              "device": "d1", "weight": 100, "meta": ""}, null, … ],   // index = id
///   "remove_devs": [3],             // marked for removal at the next rebalance
///   "assignments": "base64…",       // replicas × 2^part_power little-endian UInt16 device ids,
///                                   // replica-major; 0xFFFF = unassigned; "" before the first rebalance
///   "last_moved": "base64…",        // 2^part_power little-endian UInt32: when each partition
///                                   // last moved, seconds since the Unix epoch, 0 = never
///   "last_rebalance": 1767225600000000,   // microseconds since the epoch, or null
///   "gather_start": 517             // where the last balancing pass started
/// }
/// ```
///
/// Written atomically. Keep copies: without the builder file, a new ring moves nearly every partition.
public enum RingBuilderFile {
    struct Contents: Codable {
        var format: String
        var formatVersion: Int
        var id: String
        var partPower: Int
        var replicas: Int
        var minPartHours: Int
        var version: Int
        var devicesChanged: Bool
        var devs: [RingDevice?]
        var removeDevs: [Int]
        var assignments: String
        var lastMoved: String
        var lastRebalance: Int64?
        var gatherStart: Int

        enum CodingKeys: String, CodingKey {
            case format, id, replicas, version, devs, assignments
            case formatVersion = "format_version"
            case partPower = "part_power"
            case minPartHours = "min_part_hours"
            case devicesChanged = "devices_changed"
            case removeDevs = "remove_devs"
            case lastMoved = "last_moved"
            case lastRebalance = "last_rebalance"
            case gatherStart = "gather_start"
        }
    }

    public static func encode(_ builder: RingBuilder) throws -> [UInt8] {
        var table = [UInt8]()
        table.reserveCapacity(builder.assignments.count * 2)
        for id in builder.assignments { LittleEndian.append(id, to: &table) }
        var moves = [UInt8]()
        if builder.hasBeenRebalanced {
            moves.reserveCapacity(builder.lastMoved.count * 4)
            for time in builder.lastMoved { LittleEndian.append(time, to: &moves) }
        }
        let contents = Contents(
            format: "stratus-ring-builder", formatVersion: 1, id: builder.id, partPower: builder.partPower,
            replicas: builder.replicas, minPartHours: builder.minPartHours, version: builder.version,
            devicesChanged: builder.devicesChanged, devs: builder.devices, removeDevs: builder.pendingRemoval.sorted(),
            assignments: Data(table).base64EncodedString(), lastMoved: Data(moves).base64EncodedString(),
            lastRebalance: builder.lastRebalance?.microseconds, gatherStart: builder.gatherStart)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return Array(try encoder.encode(contents)) + [10]
    }

    public static func decode(_ bytes: [UInt8], path: String = "builder") throws -> RingBuilder {
        func bad(_ reason: String) -> RingError { RingError.badFile(path: path, reason: reason) }
        let contents: Contents
        do {
            contents = try JSONDecoder().decode(Contents.self, from: Data(bytes))
        } catch {
            throw bad("not a ring builder file: \(error)")
        }
        guard contents.format == "stratus-ring-builder", contents.formatVersion == 1 else {
            throw bad("unknown builder format \(contents.format) version \(contents.formatVersion)")
        }
        guard let table = Data(base64Encoded: contents.assignments), table.count % 2 == 0,
            let moves = Data(base64Encoded: contents.lastMoved), moves.count % 4 == 0
        else { throw bad("the assignments or move times are not valid base64 of whole entries") }
        let assignments = LittleEndian.uint16s([UInt8](table)[...])
        let lastMoved = LittleEndian.uint32s([UInt8](moves)[...])
        do {
            return try RingBuilder(
                partPower: contents.partPower, replicas: contents.replicas, minPartHours: contents.minPartHours,
                id: contents.id, devices: contents.devs, pendingRemoval: Set(contents.removeDevs),
                version: contents.version, devicesChanged: contents.devicesChanged, assignments: assignments,
                lastMoved: lastMoved, lastRebalance: contents.lastRebalance.map { Timestamp(microseconds: $0) },
                gatherStart: contents.gatherStart)
        } catch {
            throw bad("\(error)")
        }
    }

    /// Writes the builder file atomically (temporary file + rename).
    public static func write(_ builder: RingBuilder, to path: String) throws {
        try AtomicFile.store(try encode(builder), at: path)
    }

    public static func load(_ path: String) throws -> RingBuilder {
        guard FileManager.default.fileExists(atPath: path) else {
            throw RingError.badFile(path: path, reason: "no such builder file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RingError.badFile(path: path, reason: "cannot read the builder file")
        }
        return try decode([UInt8](data), path: path)
    }
}
