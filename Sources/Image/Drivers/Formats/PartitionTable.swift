/// A partition table at the start of raw data (or of an ISO made bootable as a disk).
///
/// Detection follows oslo.utils' `gpt` inspector: the boot signature 0x55AA at byte 510, unless
/// the sector is the boot record of a FAT file system. A protective entry (type 0xEE) makes it
/// GPT. `problems` lists what oslo's `mbr` safety check objects to; they matter only when the
/// declared format is `gpt` (Glance's `gpt_safety_checks_nonfatal` exists because many real raw
/// disks trip them).
public struct PartitionTable: Sendable, Equatable {
    public enum Kind: String, Sendable { case mbr, gpt }

    public var kind: Kind
    public var problems: [String]

    public init(kind: Kind, problems: [String] = []) {
        self.kind = kind
        self.problems = problems
    }

    static let partitionEntriesOffset = 446

    /// Reads the table in the first sector, if there is one.
    static func parse(firstSector sector: [UInt8]) -> PartitionTable? {
        guard sector.count >= 512, sector[510] == 0x55, sector[511] == 0xAA else { return nil }
        // A FAT boot sector ends in the same signature; two FATs on a fixed disk give it away.
        if sector[0x10] == 2 && sector[0x15] == 0xF8 { return nil }

        var problems: [String] = []
        var used: [Int] = []
        var protective = false
        for index in 0..<4 {
            let entry = partitionEntriesOffset + 16 * index
            let bootFlag = sector[entry]
            let type = sector[entry + 4]
            if bootFlag != 0x00 && bootFlag != 0x80 {
                problems.append("partition entry \(index) has an invalid boot flag")
            }
            if type != 0 { used.append(index) }
            if type == 0xEE {
                protective = true
                if sector[entry + 1] != 0x00 || sector[entry + 2] != 0x02 || sector[entry + 3] != 0x00 {
                    problems.append("the protective MBR entry has an invalid start CHS")
                }
                if sector.le32(entry + 8) != 1 {
                    problems.append("the protective MBR entry does not start at LBA 1")
                }
            }
        }
        if protective && used != [0] {
            problems.append("the protective MBR defines other partitions")
        }
        if used.isEmpty {
            problems.append("the MBR defines no partitions")
        }
        return PartitionTable(kind: protective ? .gpt : .mbr, problems: problems)
    }
}
