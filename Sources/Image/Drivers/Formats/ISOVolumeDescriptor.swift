/// ISO 9660 and UDF volume recognition (ECMA-119, ECMA-167).
///
/// The first 16 sectors of 2048 bytes are a system area (often a boot loader and partition
/// table, in hybrid images). The volume descriptor set follows from byte 32768: each sector is
/// a type byte, a 5-byte identifier ("CD001" for ISO 9660; "BEA01", "NSR02", "NSR03", "TEA01"
/// for UDF's recognition sequence) and a version. The Primary Volume Descriptor (type 1) gives
/// the volume space size (logical blocks, u32 both-endian at 80) and the logical block size
/// (u16 both-endian at 128); their product is the virtual size. An image recorded with raw
/// 2352-byte sectors has the identifier at byte 37633 instead.
///
/// Pure UDF images have no Primary Volume Descriptor; their virtual size is the data size.
enum ISOVolumeDescriptor {
    static let descriptorSetOffset = 32768
    static let rawSectorDescriptorOffset = 37632
    static let sectorSize = 2048
    /// How many descriptors are scanned: those that fit in the first 64 KiB.
    static let maxDescriptors = (HeaderReader.headLength - descriptorSetOffset) / sectorSize
    static let iso9660 = "CD001".asciiBytes
    static let udfIdentifiers = ["BEA01", "NSR02", "NSR03", "TEA01"].map(\.asciiBytes)
    static let primaryType: UInt8 = 1
    static let terminatorType: UInt8 = 255

    static func inspect(_ reader: HeaderReader) -> DiskInspection? {
        let head = reader.head
        var result = DiskInspection(format: .iso, virtualSize: reader.size, dataSize: reader.size)

        let rawSector = rawSectorDescriptorOffset
        if head.matches(iso9660, at: rawSector + 1), !head.matches(iso9660, at: descriptorSetOffset + 1) {
            result.subformat = "iso9660"
            if head[rawSector] == primaryType, let size = volumeSize(head, at: rawSector) {
                result.virtualSize = size
            }
            return result
        }

        var sawISO9660 = false, sawNSR = false, sawPrimary = false
        for index in 0..<maxDescriptors {
            let offset = descriptorSetOffset + index * sectorSize
            guard head.count >= offset + sectorSize else { break }
            if head.matches(iso9660, at: offset + 1) {
                sawISO9660 = true
                if head[offset] == primaryType, !sawPrimary {
                    sawPrimary = true
                    result.virtualSize = volumeSize(head, at: offset) ?? reader.size
                }
            } else if let identifier = udfIdentifiers.first(where: { head.matches($0, at: offset + 1) }) {
                if identifier == udfIdentifiers[1] || identifier == udfIdentifiers[2] { sawNSR = true }
            } else {
                break  // the end of the volume descriptor set
            }
        }
        guard sawISO9660 || sawNSR else { return nil }
        result.subformat = sawISO9660 ? "iso9660" : "udf"
        return result
    }

    /// Volume space size times logical block size, from the little-endian halves of the
    /// both-endian fields; nil when the block size is not a power of two from 512 to 64 KiB.
    private static func volumeSize(_ bytes: [UInt8], at offset: Int) -> UInt64? {
        guard bytes.count >= offset + 132 else { return nil }
        let blocks = UInt64(bytes.le32(offset + 80))
        let blockSize = UInt64(bytes.le16(offset + 128))
        guard blockSize >= 512, blockSize & (blockSize - 1) == 0, blocks > 0 else { return nil }
        return blocks * blockSize
    }
}
