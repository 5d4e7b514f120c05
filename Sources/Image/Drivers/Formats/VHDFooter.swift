/// The VHD (qemu's "vpc") footer (big-endian, 512 bytes; block/vpc.c in qemu):
///
///      0  cookie "conectix"              48  current size in bytes (u64)
///     16  data offset (u64)              56  geometry: cylinders (u16), heads, sectors
///     28  creator application (4 bytes)  60  disk type (u32): 2 fixed, 3 dynamic, 4 differencing
///     40  original size (u64)
///
/// A fixed disk is raw data followed by the footer; a dynamic or differencing disk also starts
/// with a copy of it. The virtual size reported is the current size. (qemu sizes disks made by
/// Virtual PC from the CHS geometry instead, which can be a little smaller; images qemu or
/// Hyper-V made have the two agree.) Differencing disks name a parent and are refused.
enum VHDFooter {
    static let cookie = "conectix".asciiBytes
    static let length = 512
    static let currentSizeOffset = 48
    static let diskTypeOffset = 60
    static let diskTypes: [UInt32: String] = [2: "fixed", 3: "dynamic", 4: "differencing"]

    /// A VHD whose footer copy starts the data: dynamic and differencing disks.
    static func inspectLeading(_ reader: HeaderReader) throws -> DiskInspection? {
        guard reader.head.matches(cookie) else { return nil }
        return parse(Array(reader.head.prefix(length)), dataSize: reader.size)
    }

    /// A VHD with only its footer, at the end: fixed disks.
    static func inspectTrailing(_ reader: HeaderReader) throws -> DiskInspection? {
        guard reader.size >= UInt64(length) else { return nil }
        let footer = try reader.tail(length)
        guard footer.matches(cookie) else { return nil }
        return parse(footer, dataSize: reader.size)
    }

    private static func parse(_ footer: [UInt8], dataSize: UInt64) -> DiskInspection {
        var result = DiskInspection(format: .vhd, virtualSize: nil, dataSize: dataSize)
        guard footer.count >= length else {
            result.violations = [.malformed(.vhd, "the footer is truncated")]
            return result
        }
        let type = footer.be32(diskTypeOffset)
        let typeName = diskTypes[type] ?? "type \(type)"
        result.subformat = typeName
        switch type {
        case 2, 3: break
        case 4: result.violations.append(.backingFile(.vhd))
        default: result.violations.append(.unsupportedSubformat(.vhd, typeName))
        }
        result.virtualSize = footer.be64(currentSizeOffset)
        return result
    }
}
