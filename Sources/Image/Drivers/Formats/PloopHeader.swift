/// The Virtuozzo ploop image header, which qemu opens as "parallels" (little-endian;
/// block/parallels.c in qemu):
///
///      0  magic "WithoutFreeSpace" (v1) or "WithouFreSpacExt" (v2), 16 bytes
///     16  version (u32, must be 2)
///     20  heads, cylinders, tracks (sectors per cluster), BAT entries (u32 each)
///     36  size in 512-byte sectors (u64; only the low 32 bits count for the v1 magic)
///
/// The format names no other files (its extension cluster holds dirty bitmaps only).
enum PloopHeader {
    static let magic = "WithoutFreeSpace".asciiBytes
    static let extendedMagic = "WithouFreSpacExt".asciiBytes
    static let length = 64
    static let version: UInt32 = 2

    static func inspect(_ reader: HeaderReader) -> DiskInspection? {
        let head = reader.head
        let extended = head.matches(extendedMagic)
        guard extended || head.matches(magic) else { return nil }
        var result = DiskInspection(format: .ploop, virtualSize: nil, dataSize: reader.size)
        guard head.count >= length else {
            result.violations = [.malformed(.ploop, "the header is truncated")]
            return result
        }
        let version = head.le32(16)
        guard version == Self.version else {
            result.violations = [.unsupportedVersion(.ploop, version)]
            return result
        }
        result.subformat = extended ? "v2" : "v1"
        let sectors = extended ? head.le64(36) : head.le64(36) & 0xFFFF_FFFF
        guard sectors <= UInt64.max / 512 else {
            result.violations = [.malformed(.ploop, "the size is out of range")]
            return result
        }
        result.virtualSize = sectors * 512
        return result
    }
}
