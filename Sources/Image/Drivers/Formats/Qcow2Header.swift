/// The qcow2 header (big-endian; docs/interop/qcow2.txt in qemu):
///
///     0  magic "QFI\xfb"             24  size (u64)
///     4  version (u32)               72  incompatible_features (u64, v3)
///     8  backing_file_offset (u64)  100  header_length (u32, v3)
///    16  backing_file_size (u32)
///    20  cluster_bits (u32)
///
/// Header extensions follow the header, up to the end of the first cluster (or the backing file
/// name). Version 1 ("qcow") shares the magic, the backing file offset and the size offset.
struct Qcow2Header {
    static let magic: [UInt8] = [0x51, 0x46, 0x49, 0xFB]  // "QFI\xfb"
    static let version2Length = 72
    static let version3Length = 104

    /// Incompatible feature bits (qcow2.txt): 0 dirty, 1 corrupt, 2 external data file,
    /// 3 compression type. oslo.utils accepts exactly these; later ones (4, extended L2) are
    /// refused until someone has looked at them.
    static let dataFileFeature: UInt64 = 1 << 2
    static let knownIncompatibleFeatures: UInt64 = 0b1111

    /// Header extension types.
    static let externalDataFileExtension: UInt32 = 0x4441_5441
    static let endOfExtensions: UInt32 = 0

    var version: UInt32
    var backingFileOffset: UInt64
    var clusterBits: UInt32
    var size: UInt64
    var incompatibleFeatures: UInt64
    var headerLength: UInt32

    static func inspect(_ reader: HeaderReader) throws -> DiskInspection? {
        let head = reader.head
        guard head.matches(magic) else { return nil }
        var result = DiskInspection(format: .qcow2, virtualSize: nil, dataSize: reader.size)
        func refuse(_ violation: DiskSafetyViolation) -> DiskInspection {
            result.violations.append(violation)
            return result
        }

        // Version 1 keeps the backing file offset and the size where version 2 does.
        guard head.count >= 32 else { return refuse(.malformed(.qcow2, "the header is truncated")) }
        let version = head.be32(4)
        result.virtualSize = head.be64(24)
        if head.be64(8) != 0 { result.violations.append(.backingFile(.qcow2)) }
        guard version == 2 || version == 3 else { return refuse(.unsupportedVersion(.qcow2, version)) }
        result.subformat = "v\(version)"

        let minimum = version == 2 ? version2Length : version3Length
        guard head.count >= minimum else { return refuse(.malformed(.qcow2, "the header is truncated")) }
        let header = Qcow2Header(
            version: version, backingFileOffset: head.be64(8), clusterBits: head.be32(20), size: head.be64(24),
            incompatibleFeatures: version == 3 ? head.be64(72) : 0,
            headerLength: version == 3 ? head.be32(100) : UInt32(version2Length))
        result.violations += try header.violations(reader)
        return result
    }

    /// Checks after the fixed fields parsed; the backing file was already looked at.
    func violations(_ reader: HeaderReader) throws -> [DiskSafetyViolation] {
        var found: [DiskSafetyViolation] = []
        if incompatibleFeatures & Self.dataFileFeature != 0 { found.append(.externalDataFile) }
        let unknown = incompatibleFeatures & ~Self.knownIncompatibleFeatures
        if unknown != 0 { found.append(.unknownFeatures(.qcow2, bits: unknown)) }

        // qemu accepts clusters of 512 bytes to 2 MiB.
        guard (9...21).contains(clusterBits) else {
            return found + [.malformed(.qcow2, "cluster_bits \(clusterBits) is out of range")]
        }
        let clusterSize = UInt64(1) << clusterBits
        guard headerLength >= (version == 2 ? Self.version2Length : Self.version3Length),
            UInt64(headerLength) <= clusterSize
        else { return found + [.malformed(.qcow2, "header_length \(headerLength) is out of range")] }

        // Walk the header extensions: type (u32), length (u32), data padded to 8 bytes.
        var end = clusterSize
        if backingFileOffset != 0 && backingFileOffset < end { end = backingFileOffset }
        guard end > UInt64(headerLength) else { return found }
        let fullLength = Int(end - UInt64(headerLength))
        // The extensions nearly always end within the first 64 KiB, already read; the rest of
        // a large cluster is read only if the walk gets there.
        var area = try reader.bytes(at: UInt64(headerLength), count: min(fullLength, 64 * 1024))
        var position = 0
        while position + 8 <= area.count {
            let type = area.be32(position)
            let length = Int(area.be32(position + 4))
            if type == Self.endOfExtensions { break }
            if length > area.count - position - 8 && area.count < fullLength {
                area = try reader.bytes(at: UInt64(headerLength), count: fullLength)
            }
            guard length <= area.count - position - 8 else {
                // Past the end of what was read: either the header cluster is cut short (a
                // truncated file) or the length is bogus. qemu refuses both.
                found.append(.malformed(.qcow2, "a header extension runs past the header cluster"))
                break
            }
            if type == Self.externalDataFileExtension && !found.contains(.externalDataFile) {
                found.append(.externalDataFile)
            }
            position += 8 + (length + 7) / 8 * 8
            if position + 8 > area.count && area.count < fullLength {
                area = try reader.bytes(at: UInt64(headerLength), count: fullLength)
            }
        }
        return found
    }
}
