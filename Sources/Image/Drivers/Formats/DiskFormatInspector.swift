/// Recognises the format of uploaded disk images and checks that they are safe to hand to qemu,
/// after oslo.utils' `format_inspector` as Glance uses it.
///
/// Only header regions are read: the first 64 KiB, the last 1.5 KiB, a VMDK descriptor (at most
/// 1 MiB), the rest of a large qcow2 header cluster, and a VHDX's region and metadata tables
/// (64 KiB each). No read is larger than 2 MiB, whatever the headers claim.
///
/// How the format is decided:
/// 1. Formats with a header at the start: qcow2 (and qcow), QED, VMDK (sparse, legacy sparse,
///    or a descriptor-only text file), VDI, dynamic VHD, VHDX, ploop, LUKS. Content matching
///    more than one of these is refused as ambiguous (`DiskFormatError.ambiguousFormat`).
/// 2. Otherwise a VHD footer in the last 512 bytes: a fixed VHD.
/// 3. Otherwise ISO 9660 or UDF volume descriptors from byte 32768.
/// 4. Otherwise raw.
///
/// A format header at the start wins over an ISO signature or a VHD footer further on (qemu's
/// probing, too, looks at the start): whatever the declared format, such content is then checked
/// as that format, and a qcow2 image of an ISO, which can carry the ISO's bytes anywhere, is
/// still a qcow2 image. A partition table is reported for raw and ISO content.
public enum DiskFormatInspector {
    /// Declared formats whose content is raw data (see `verify` for what each accepts).
    static let rawLike: Set<String> = ["raw", "ami", "aki", "ari"]

    /// Detects the format of `source`, its virtual size and its safety findings.
    ///
    /// Throws `DiskFormatError.readFailed` when the data cannot be read and
    /// `DiskFormatError.ambiguousFormat` when it carries more than one format's header.
    /// Unsafe content is not an error here: see `DiskInspection.violations`, or use `verify`.
    public static func inspect(_ source: any ByteSource) throws -> DiskInspection {
        let reader = try HeaderReader(source)
        let leading: [DiskInspection] = [
            try Qcow2Header.inspect(reader),
            QEDHeader.inspect(reader),
            try VMDKSparseHeader.inspect(reader),
            try VDIHeader.inspect(reader),
            try VHDFooter.inspectLeading(reader),
            try VHDXHeader.inspect(reader),
            PloopHeader.inspect(reader),
            LUKSHeader.inspect(reader),
        ].compactMap { $0 }
        if leading.count > 1 { throw DiskFormatError.ambiguousFormat(leading.map(\.format)) }
        if let match = leading.first { return match }
        if let fixedVHD = try VHDFooter.inspectTrailing(reader) { return fixedVHD }

        let partitionTable = PartitionTable.parse(firstSector: Array(reader.head.prefix(512)))
        if var iso = ISOVolumeDescriptor.inspect(reader) {
            iso.partitionTable = partitionTable
            return iso
        }
        return DiskInspection(
            format: .raw, virtualSize: reader.size, dataSize: reader.size, partitionTable: partitionTable)
    }

    /// Checks that `source` holds an image of the `declared` disk format and is safe, with
    /// Glance's semantics; returns the inspection, or throws a `DiskFormatError` whose
    /// description suits an API error body.
    ///
    /// - Safety violations refuse the image whatever was declared (a qcow2 backing file or
    ///   external data file, VMDK extents outside the file, …), as does ambiguous content.
    /// - `qcow2`, `vmdk`, `vdi`, `vhd`, `vhdx`, `iso`, `ploop` (and `qed`, `luks`): the content
    ///   must be recognised as exactly that format.
    /// - `raw`: the content must not be in a format qemu would interpret (qcow2, VMDK, VDI, VHD,
    ///   VHDX, ploop, QED): a qcow2 image uploaded as raw is refused rather than stored to be
    ///   misread later. ISO content (a CD image is raw data to qemu) and LUKS content (encrypted
    ///   volumes are raw) are accepted, as Glance accepts them. A partition table is fine.
    /// - `ami`, `aki`, `ari`: raw data only, as in Glance, which refuses any recognised format
    ///   under them (ISO and LUKS included). A partition table is accepted (kernels carry the
    ///   0x55AA boot signature that partition table detection keys on).
    /// - `gpt`: raw content with a partition table that passes oslo.utils' MBR checks.
    /// - Anything else (`docker`, site-specific formats): no format check.
    ///
    /// When content accepted under a raw-like format was recognised as ISO or LUKS, the
    /// returned `virtualSize` is the data size, which is what a hypervisor will see.
    public static func verify(declared: String, source: any ByteSource) throws -> DiskInspection {
        var inspection = try inspect(source)
        if !inspection.violations.isEmpty {
            throw DiskFormatError.unsafeImage(inspection.format, inspection.violations)
        }
        let declared = declared.lowercased()
        let detected = inspection.format
        guard let format = DiskFormat(rawValue: declared) else { return inspection }
        switch format {
        case .raw where detected == .raw || detected == .iso || detected == .luks,
            .ami where detected == .raw, .aki where detected == .raw, .ari where detected == .raw:
            inspection.virtualSize = inspection.dataSize
        case .gpt where detected == .raw:
            guard let table = inspection.partitionTable else {
                throw DiskFormatError.formatMismatch(declared: declared, detected: detected)
            }
            guard table.problems.isEmpty else { throw DiskFormatError.invalidPartitionTable(table.problems) }
        case _ where DiskFormat.mustMatchWhenDeclared.contains(format) && format == detected:
            break
        default:
            throw DiskFormatError.formatMismatch(declared: declared, detected: detected)
        }
        return inspection
    }
}
