import Foundation

/// The ring file the proxy and the servers load (`account.ring`, `container.ring`, `object.ring`).
///
/// Layout (all of it; the file is exactly this long):
///
/// | offset | size | content |
/// |---|---|---|
/// | 0 | 4 | magic `SRNG` (`53 52 4E 47`) |
/// | 4 | 2 | format version, big-endian unsigned: `1` |
/// | 6 | 4 | header length `H`, big-endian unsigned |
/// | 10 | H | header: UTF-8 JSON object (below) |
/// | 10 + H | 2 × R × 2^P | the table: R rows (one per replica) of 2^P device ids (one per partition), each a little-endian unsigned 16-bit number |
///
/// The header: `{"format": "stratus-ring", "part_power": P, "part_shift": 32 - P,
/// "replica_count": R, "version": builder version, "builder_id": hex id, "devs": [device or null, ...]}`
/// where each device is `{"id", "region", "zone", "ip", "port", "replication_ip",
/// "replication_port", "device", "weight", "meta"}` and `devs[i]` has id `i` (`null` for ids
/// no device has). Every id in the table names a device. A part power of 10 and 3 replicas
/// make a 6 KiB table; 18 and 3, 1.5 MiB. Written atomically (`AtomicFile`).
public enum RingFile {
    static let magic: [UInt8] = Array("SRNG".utf8)
    static let formatVersion: UInt16 = 1

    struct Header: Codable {
        var format: String
        var partPower: Int
        var partShift: Int
        var replicaCount: Int
        var version: Int
        var builderID: String
        var devs: [RingDevice?]

        enum CodingKeys: String, CodingKey {
            case format, version, devs
            case partPower = "part_power"
            case partShift = "part_shift"
            case replicaCount = "replica_count"
            case builderID = "builder_id"
        }
    }

    public static func encode(_ ring: RingData) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let header = try encoder.encode(
            Header(
                format: "stratus-ring", partPower: ring.partPower, partShift: ring.partShift,
                replicaCount: ring.replicaCount, version: ring.version, builderID: ring.builderID, devs: ring.devices))
        var bytes = magic
        bytes.reserveCapacity(10 + header.count + ring.assignments.count * 2)
        bytes.append(UInt8(formatVersion >> 8))
        bytes.append(UInt8(formatVersion & 0xFF))
        let length = UInt32(header.count)
        bytes.append(contentsOf: [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)])
        bytes.append(contentsOf: header)
        for id in ring.assignments { LittleEndian.append(id, to: &bytes) }
        return bytes
    }

    public static func decode(_ bytes: [UInt8], path: String = "ring") throws -> RingData {
        func bad(_ reason: String) -> RingError { RingError.badFile(path: path, reason: reason) }
        guard bytes.count >= 10, Array(bytes[0..<4]) == magic else { throw bad("not a ring file (bad magic)") }
        let version = UInt16(bytes[4]) << 8 | UInt16(bytes[5])
        guard version == formatVersion else { throw bad("unknown ring format version \(version)") }
        let headerLength = Int(UInt32(bytes[6]) << 24 | UInt32(bytes[7]) << 16 | UInt32(bytes[8]) << 8 | UInt32(bytes[9]))
        guard bytes.count >= 10 + headerLength else { throw bad("truncated header") }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(bytes[10..<10 + headerLength]))
        } catch {
            throw bad("unreadable header: \(error)")
        }
        guard header.format == "stratus-ring", (0...RingBuilder.maxPartPower).contains(header.partPower),
            header.partShift == 32 - header.partPower, (1...64).contains(header.replicaCount)
        else { throw bad("inconsistent header") }
        let entries = header.replicaCount << header.partPower
        guard bytes.count == 10 + headerLength + 2 * entries else {
            throw bad("the table should be \(2 * entries) bytes; the file has \(bytes.count - 10 - headerLength)")
        }
        let table = LittleEndian.uint16s(bytes[(10 + headerLength)...])
        do {
            return try RingData(
                devices: header.devs, partPower: header.partPower, replicaCount: header.replicaCount, assignments: table,
                version: header.version, builderID: header.builderID)
        } catch {
            throw bad("\(error)")
        }
    }

    /// Writes the ring file atomically (temporary file + rename).
    public static func write(_ ring: RingData, to path: String) throws {
        try AtomicFile.store(try encode(ring), at: path)
    }

    public static func load(_ path: String) throws -> RingData {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RingError.badFile(path: path, reason: "cannot read the ring file")
        }
        return try decode([UInt8](data), path: path)
    }
}
