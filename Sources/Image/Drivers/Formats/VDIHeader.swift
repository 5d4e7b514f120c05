/// The VirtualBox VDI header (little-endian; block/vdi.c in qemu):
///
///      0x00  text banner (64 bytes)        0x4C  image type (u32): 1 dynamic, 2 static
///      0x40  signature 0xbeda107f (u32)    0x170 disk size in bytes (u64)
///      0x44  version (u32)
///
/// qemu opens only dynamic and static images; undo and differencing images (which refer to a
/// parent by UUID) are refused.
enum VDIHeader {
    static let signatureOffset = 0x40
    static let signature: UInt32 = 0xBEDA_107F
    static let imageTypeOffset = 0x4C
    static let diskSizeOffset = 0x170
    static let imageTypes: [UInt32: String] = [1: "dynamic", 2: "static", 3: "undo", 4: "differencing"]

    static func inspect(_ reader: HeaderReader) throws -> DiskInspection? {
        let head = reader.head
        guard head.count >= signatureOffset + 4, head.le32(signatureOffset) == signature else { return nil }
        var result = DiskInspection(format: .vdi, virtualSize: nil, dataSize: reader.size)
        guard head.count >= diskSizeOffset + 8 else {
            result.violations = [.malformed(.vdi, "the header is truncated")]
            return result
        }
        let type = head.le32(imageTypeOffset)
        let typeName = imageTypes[type] ?? "type \(type)"
        result.subformat = typeName
        if type != 1 && type != 2 { result.violations.append(.unsupportedSubformat(.vdi, typeName)) }
        result.virtualSize = head.le64(diskSizeOffset)
        return result
    }
}
