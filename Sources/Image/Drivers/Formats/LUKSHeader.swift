/// A LUKS encrypted volume ("LUKS\xba\xbe" at 0, big-endian): version (u16) at 6; in version 1,
/// the payload offset (u32, 512-byte sectors) at 104. The virtual size is what follows the
/// header and key material.
///
/// Like oslo.utils, only version 1 (what qemu's luks driver reads) is accepted. A LUKS volume
/// names no other files; encrypted Block Storage volumes are uploaded as `raw` with LUKS content,
/// so `verify` accepts it under `raw`.
enum LUKSHeader {
    static let magic: [UInt8] = [0x4C, 0x55, 0x4B, 0x53, 0xBA, 0xBE]
    static let payloadOffsetField = 104

    static func inspect(_ reader: HeaderReader) -> DiskInspection? {
        let head = reader.head
        guard head.matches(magic) else { return nil }
        var result = DiskInspection(format: .luks, virtualSize: nil, dataSize: reader.size)
        guard head.count >= payloadOffsetField + 4 else {
            result.violations = [.malformed(.luks, "the header is truncated")]
            return result
        }
        let version = UInt32(head.be16(6))
        result.subformat = "v\(version)"
        guard version == 1 else {
            result.violations = [.unsupportedVersion(.luks, version)]
            return result
        }
        let payload = UInt64(head.be32(payloadOffsetField)) * 512
        guard payload <= reader.size else {
            result.violations = [.malformed(.luks, "the payload offset is past the end of the data")]
            return result
        }
        result.virtualSize = reader.size - payload
        return result
    }
}
