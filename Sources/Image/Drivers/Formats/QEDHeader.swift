/// QEMU Enhanced Disk ("QED\0" at 0). Like oslo.utils, recognised only to be refused: nothing
/// uses it, and it supports backing files.
enum QEDHeader {
    static let magic: [UInt8] = [0x51, 0x45, 0x44, 0x00]
    static let sizeOffset = 48  // image_size (u64, little-endian)

    static func inspect(_ reader: HeaderReader) -> DiskInspection? {
        guard reader.head.matches(magic) else { return nil }
        let size = reader.head.count >= sizeOffset + 8 ? reader.head.le64(sizeOffset) : nil
        return DiskInspection(format: .qed, virtualSize: size, dataSize: reader.size, violations: [.bannedFormat(.qed)])
    }
}
