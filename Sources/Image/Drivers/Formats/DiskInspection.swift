/// What `DiskFormatInspector` found in image data.
public struct DiskInspection: Sendable, Equatable {
    /// The format the content is in; `raw` when no other format is recognised.
    public var format: DiskFormat
    /// The size of the disk the image presents, in bytes: from the format's headers, or the
    /// data size for raw data. Nil when the headers do not tell (the inspection then always has
    /// a violation).
    public var virtualSize: UInt64?
    /// The size of the data inspected, in bytes.
    public var dataSize: UInt64
    /// The variant of the format, when it has several: the VMDK `createType`; `fixed`, `dynamic`
    /// or `differencing` for VHD; `fixed` or `dynamic` for VHDX; `dynamic` or `static` for VDI;
    /// `iso9660` or `udf` for ISO; `v2` or `v3` for qcow2 and ploop; `v1` or `v2` for LUKS.
    public var subformat: String?
    /// A partition table at the start of raw data or of an ISO.
    public var partitionTable: PartitionTable?
    /// Reasons to refuse the image whatever format it was declared as.
    public var violations: [DiskSafetyViolation]

    public var isSafe: Bool { violations.isEmpty }

    public init(
        format: DiskFormat, virtualSize: UInt64?, dataSize: UInt64, subformat: String? = nil,
        partitionTable: PartitionTable? = nil, violations: [DiskSafetyViolation] = []
    ) {
        self.format = format
        self.virtualSize = virtualSize
        self.dataSize = dataSize
        self.subformat = subformat
        self.partitionTable = partitionTable
        self.violations = violations
    }
}
