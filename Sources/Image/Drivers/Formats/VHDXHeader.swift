/// The VHDX layout needed for the virtual size (little-endian; MS-VHDX and block/vhdx.c):
///
/// - the file type identifier "vhdxfile" at 0;
/// - the region table at 192 KiB: "regi", CRC-32C (u32, over the 64 KiB table with this field
///   zeroed), entry count (u32, at most 2047), then 32-byte entries: GUID, file offset (u64),
///   length (u32), flags (u32, bit 0 required);
/// - the metadata region (the region entry with GUID 8B7CA206-…): a table of "metadata",
///   entry count (u16 at 10, at most 2047), then from byte 32, 32-byte entries: item GUID,
///   offset within the region (u32), length (u32), flags (u32);
/// - the Virtual Disk Size item (2FA54224-…): the size in bytes (u64); the File Parameters
///   item (CAA16737-…): block size (u32), flags (u32, bit 0 "leave blocks allocated", that is
///   fixed; bit 1 "has parent").
///
/// Differencing disks (a parent, or a Parent Locator item) are refused; qemu cannot open them.
enum VHDXHeader {
    static let identifier = "vhdxfile".asciiBytes
    static let regionTableOffset: UInt64 = 192 * 1024
    static let regionTableLength = 64 * 1024
    static let regionTableSignature = "regi".asciiBytes
    static let metadataTableLength = 64 * 1024
    static let metadataSignature = "metadata".asciiBytes
    static let maxEntries = 2047

    static let batRegion = guid("2DC27766-F623-4200-9D64-115E9BFD4A08")
    static let metadataRegion = guid("8B7CA206-4790-4B9A-B8FE-575F050F886E")
    static let fileParametersItem = guid("CAA16737-FA36-4D43-B3B6-33F0AA44E76B")
    static let virtualDiskSizeItem = guid("2FA54224-CD1B-4876-B211-5DBED83BF4B8")
    static let parentLocatorItem = guid("A8D35F2D-B30B-454D-ABF7-D3D84834AB0C")
    static let leaveBlocksAllocatedFlag: UInt32 = 1 << 0  // a fixed disk
    static let hasParentFlag: UInt32 = 1 << 1

    struct MetadataItem {
        var offset: UInt32
        var length: UInt32
    }

    static func inspect(_ reader: HeaderReader) throws -> DiskInspection? {
        guard reader.head.matches(identifier) else { return nil }
        var result = DiskInspection(format: .vhdx, virtualSize: nil, dataSize: reader.size)
        func refuse(_ reason: String) -> DiskInspection {
            result.violations.append(.malformed(.vhdx, reason))
            return result
        }

        // The region table, and in it the metadata region.
        guard let table = try reader.exactBytes(at: regionTableOffset, count: regionTableLength) else {
            return refuse("the region table is truncated")
        }
        guard table.matches(regionTableSignature) else { return refuse("the region table signature is missing") }
        var zeroed = table
        zeroed.replaceSubrange(4..<8, with: [0, 0, 0, 0])
        guard CRC32C.checksum(zeroed) == table.le32(4) else { return refuse("the region table checksum is wrong") }
        let regionCount = Int(table.le32(8))
        guard regionCount <= maxEntries else { return refuse("the region table has too many entries") }
        var metadata: (offset: UInt64, length: UInt32)?
        for index in 0..<regionCount {
            let entry = 16 + index * 32
            let id = table.slice(entry, 16)
            if id == metadataRegion {
                metadata = (table.le64(entry + 16), table.le32(entry + 24))
            } else if id != batRegion && table.le32(entry + 28) & 1 != 0 {
                return refuse("it has an unknown required region")
            }
        }
        guard let metadata, metadata.offset > 0, metadata.offset < reader.size else {
            return refuse("the metadata region is missing")
        }

        // The metadata table, and in it the items wanted.
        let tableLength = min(metadataTableLength, Int(metadata.length))
        guard tableLength >= 32, let items = try reader.exactBytes(at: metadata.offset, count: tableLength) else {
            return refuse("the metadata table is truncated")
        }
        guard items.matches(metadataSignature) else { return refuse("the metadata table signature is missing") }
        let itemCount = Int(items.le16(10))
        guard itemCount <= maxEntries, 32 + itemCount * 32 <= items.count else {
            return refuse("the metadata table has too many entries")
        }
        var found: [[UInt8]: MetadataItem] = [:]
        for index in 0..<itemCount {
            let entry = 32 + index * 32
            let id = items.slice(entry, 16)
            guard found[id] == nil else { return refuse("a metadata item appears twice") }
            found[id] = MetadataItem(offset: items.le32(entry + 16), length: items.le32(entry + 20))
        }

        /// The item's bytes; nil when it lies outside the metadata region or the file.
        func read(_ item: MetadataItem, _ count: Int) throws -> [UInt8]? {
            guard item.length >= UInt32(count), UInt64(item.offset) + UInt64(count) <= UInt64(metadata.length) else {
                return nil
            }
            return try reader.exactBytes(at: metadata.offset + UInt64(item.offset), count: count)
        }

        if found[parentLocatorItem] != nil { result.violations.append(.backingFile(.vhdx)) }
        if let item = found[fileParametersItem] {
            guard let parameters = try read(item, 8) else { return refuse("the file parameters are out of bounds") }
            let flags = parameters.le32(4)
            result.subformat = flags & leaveBlocksAllocatedFlag != 0 ? "fixed" : "dynamic"
            if flags & hasParentFlag != 0 && !result.violations.contains(.backingFile(.vhdx)) {
                result.violations.append(.backingFile(.vhdx))
            }
        }
        guard let item = found[virtualDiskSizeItem] else { return refuse("the virtual disk size is missing") }
        guard let size = try read(item, 8) else { return refuse("the virtual disk size is out of bounds") }
        result.virtualSize = size.le64(0)
        return result
    }

    /// A GUID in its on-disk form: the first three groups little-endian, the rest as written.
    static func guid(_ text: String) -> [UInt8] {
        let hex = text.filter { $0 != "-" }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return bytes[0..<4].reversed() + bytes[4..<6].reversed() + bytes[6..<8].reversed() + Array(bytes[8...])
    }
}
