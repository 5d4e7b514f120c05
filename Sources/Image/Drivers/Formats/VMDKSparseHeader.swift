/// The VMDK hosted sparse extent header (little-endian, 512 bytes):
///
///     0  magic "KDMV"                    28  descriptor offset (sectors, u64)
///     4  version (u32)                   36  descriptor size (sectors, u64)
///     8  flags (u32)                     44  grain table entries per table (u32)
///    12  capacity (sectors, u64)         48  redundant grain directory offset (u64)
///    20  grain size (sectors, u64)       56  grain directory offset (u64)
///
/// The descriptor text follows at sector 1. A stream-optimized file may set the grain directory
/// offset to all ones and put the real header in a footer: 512 bytes of footer marker, the
/// header again, then 512 bytes of end-of-stream marker, at the end of the file; qemu then
/// uses the footer's header.
///
/// VMDK content is recognised in three shapes: a sparse file (`KDMV`), the legacy VMware 3
/// sparse file (`COWD`), or a descriptor-only text file (which qemu also opens, following its
/// extents to other files). Only sparse files of subformat `monolithicSparse` or
/// `streamOptimized` are acceptable, as in oslo.utils and Glance's `vmdk_allowed_types`.
struct VMDKSparseHeader: Equatable {
    static let magic = "KDMV".asciiBytes
    static let legacyMagic = "COWD".asciiBytes
    static let length = 64
    static let grainDirectoryAtEnd = UInt64.max
    static let footerLength = 1536
    static let footerMarkerType: UInt32 = 3

    var version: UInt32
    var capacity: UInt64
    var descriptorOffset: UInt64
    var descriptorSize: UInt64
    var grainDirectoryOffset: UInt64

    init?(_ bytes: [UInt8], at offset: Int = 0) {
        guard bytes.matches(Self.magic, at: offset), bytes.count - offset >= Self.length else { return nil }
        version = bytes.le32(offset + 4)
        capacity = bytes.le64(offset + 12)
        descriptorOffset = bytes.le64(offset + 28)
        descriptorSize = bytes.le64(offset + 36)
        grainDirectoryOffset = bytes.le64(offset + 56)
    }

    static func inspect(_ reader: HeaderReader) throws -> DiskInspection? {
        let head = reader.head
        if head.matches(magic) { return try inspectSparse(reader) }
        var result = DiskInspection(format: .vmdk, virtualSize: nil, dataSize: reader.size)
        if head.matches(legacyMagic) {
            result.subformat = "COWD"
            result.violations = [.unsupportedSubformat(.vmdk, "COWD")]
            return result
        }
        guard let text = try descriptorText(reader) else { return nil }
        let descriptor = VMDKDescriptor(text)
        result.subformat = descriptor.createType
        result.violations = descriptor.violations(embedded: false)
        return result
    }

    private static func inspectSparse(_ reader: HeaderReader) throws -> DiskInspection {
        var result = DiskInspection(format: .vmdk, virtualSize: nil, dataSize: reader.size)
        func refuse(_ violation: DiskSafetyViolation) -> DiskInspection {
            result.violations.append(violation)
            return result
        }
        guard var header = VMDKSparseHeader(reader.head) else {
            return refuse(.malformed(.vmdk, "the sparse header is truncated"))
        }
        guard (1...3).contains(header.version) else { return refuse(.unsupportedVersion(.vmdk, header.version)) }
        if header.grainDirectoryOffset == grainDirectoryAtEnd {
            switch try footerHeader(reader, matching: header) {
            case .valid(let footer): header = footer
            case .invalid(let reason): return refuse(.malformed(.vmdk, reason))
            }
        }
        guard header.descriptorOffset != 0, header.descriptorSize != 0 else {
            return refuse(.invalidDescriptor("the sparse file has no embedded descriptor"))
        }
        // qemu reads the embedded descriptor at sector 1 whatever the header says.
        guard header.descriptorOffset == 1 else {
            return refuse(.malformed(.vmdk, "the embedded descriptor is not at sector 1"))
        }
        // With no capacity qemu opens the descriptor's extents instead of this file.
        guard header.capacity != 0 else { return refuse(.malformed(.vmdk, "the capacity is zero")) }
        guard header.capacity <= UInt64.max / 512 else {
            return refuse(.malformed(.vmdk, "the capacity is out of range"))
        }
        result.virtualSize = header.capacity * 512

        let length = header.descriptorSize > UInt64(VMDKDescriptor.maxLength / 512)
            ? VMDKDescriptor.maxLength : Int(header.descriptorSize) * 512
        let text = try reader.bytes(at: 512, count: length)
        guard text.count == length else { return refuse(.invalidDescriptor("the descriptor is truncated")) }
        let descriptor = VMDKDescriptor(text)
        result.subformat = descriptor.createType
        result.violations += descriptor.violations(embedded: true)
        return result
    }

    /// The header in a stream-optimized file's footer, after the checks oslo.utils makes.
    private static func footerHeader(_ reader: HeaderReader, matching header: VMDKSparseHeader) throws -> FooterCheck {
        guard reader.size >= UInt64(512 + footerLength) else { return .invalid("the footer is missing") }
        let tail = try reader.tail(footerLength)
        guard tail.count == footerLength else { return .invalid("the footer is missing") }
        let zeroPadding = [UInt8](repeating: 0, count: 496)
        guard tail.le32(8) == 0, tail.le32(12) == footerMarkerType, tail.slice(16, 496) == zeroPadding else {
            return .invalid("the footer marker is invalid")
        }
        guard let footer = VMDKSparseHeader(tail, at: 512) else {
            return .invalid("the footer does not hold a sparse header")
        }
        guard footer.version == header.version else { return .invalid("the header and footer versions differ") }
        guard footer.descriptorOffset == header.descriptorOffset, footer.descriptorSize == header.descriptorSize else {
            return .invalid("the footer names a different descriptor")
        }
        guard footer.grainDirectoryOffset != grainDirectoryAtEnd else {
            return .invalid("the footer points to another footer")
        }
        guard tail.slice(1024, 512) == [UInt8](repeating: 0, count: 512) else {
            return .invalid("the end-of-stream marker is invalid")
        }
        return .valid(footer)
    }

    private enum FooterCheck {
        case valid(VMDKSparseHeader)
        case invalid(String)
    }

    /// The text of a descriptor-only VMDK, if the data is one: what qemu's probe accepts
    /// (comment and blank lines, then `version=1`, `2` or `3`), or what oslo.utils accepts (the
    /// first 512 bytes are ASCII text and the text has a `createType="`).
    static func descriptorText(_ reader: HeaderReader) throws -> [UInt8]? {
        let head = reader.head
        guard head.count >= 4 else { return nil }
        let qemuProbe = probesAsDescriptor(Array(head.prefix(2048)))
        if !qemuProbe {
            let isText = head.prefix(512).allSatisfy { (0x09...0x0D).contains($0) || (0x1C...0x7E).contains($0) }
            guard isText else { return nil }
        }
        var text = try reader.bytes(at: 0, count: VMDKDescriptor.maxLength)
        if let nul = text.firstIndex(of: 0) { text.removeSubrange(nul...) }
        if qemuProbe { return text }
        let createType = "createtype=\"".asciiBytes
        let lowered = text.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
        guard lowered.count >= createType.count else { return nil }
        for start in 0...(lowered.count - createType.count) where lowered.matches(createType, at: start) {
            return text
        }
        return nil
    }

    /// qemu's `vmdk_probe` for descriptor files, over its 2 KiB probe buffer.
    static func probesAsDescriptor(_ buffer: [UInt8]) -> Bool {
        let hash = UInt8(ascii: "#"), space = UInt8(ascii: " "), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var position = 0
        while position < buffer.count {
            if buffer[position] == hash {
                while position < buffer.count && buffer[position] != lf { position += 1 }
                position += 1
                continue
            }
            if buffer[position] == space {
                while position < buffer.count && buffer[position] == space { position += 1 }
                if position < buffer.count && buffer[position] == cr { position += 1 }
                guard position < buffer.count, buffer[position] == lf else { return false }
                position += 1
                continue
            }
            for version in ["1", "2", "3"] {
                if buffer.matches("version=\(version)\n".asciiBytes, at: position)
                    || buffer.matches("version=\(version)\r\n".asciiBytes, at: position)
                {
                    return true
                }
            }
            return false
        }
        return false
    }
}
