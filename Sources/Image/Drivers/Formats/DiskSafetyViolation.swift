/// Something in an image that makes it unsafe to hand to qemu or a hypervisor, whatever its
/// declared format. Any of these refuses the image.
public enum DiskSafetyViolation: Sendable, Hashable, CustomStringConvertible {
    /// The image is layered on another, named image: a qcow2 or qcow backing file, a VMDK
    /// `parentFileNameHint`, a differencing VHD or a VHDX with a parent.
    case backingFile(DiskFormat)
    /// A qcow2 image keeping its guest data in a separate, named file (incompatible feature
    /// bit 2, or the external data file header extension).
    case externalDataFile
    /// qcow2 incompatible feature bits outside those known to be harmless (dirty, corrupt,
    /// external data file, compression type), as oslo.utils counts them.
    case unknownFeatures(DiskFormat, bits: UInt64)
    case unsupportedVersion(DiskFormat, UInt32)
    /// A variant of the format that is never accepted: VMDK other than `monolithicSparse` or
    /// `streamOptimized` (including descriptor-only files), VDI other than dynamic or static.
    case unsupportedSubformat(DiskFormat, String)
    /// A VMDK descriptor whose extents could name data outside the uploaded file.
    case externalExtent
    /// A VMDK descriptor that is not plainly understood.
    case invalidDescriptor(String)
    /// Headers that are truncated, inconsistent or point outside the data.
    case malformed(DiskFormat, String)
    /// A format that is recognised only to be refused (QED).
    case bannedFormat(DiskFormat)

    /// A short identifier for logs and metrics, like oslo.utils' safety check names.
    public var checkName: String {
        switch self {
        case .backingFile: "backing_file"
        case .externalDataFile: "data_file"
        case .unknownFeatures: "unknown_features"
        case .unsupportedVersion: "version"
        case .unsupportedSubformat: "subformat"
        case .externalExtent: "extents"
        case .invalidDescriptor: "descriptor"
        case .malformed: "malformed"
        case .bannedFormat: "banned"
        }
    }

    public var description: String {
        switch self {
        case .backingFile(.vmdk): "the vmdk image refers to a parent disk (parentFileNameHint)"
        case .backingFile(.vhd): "the vhd image is a differencing disk that refers to a parent disk"
        case .backingFile(.vhdx): "the vhdx image is a differencing disk that refers to a parent disk"
        case .backingFile(let format): "the \(format) image refers to a backing file"
        case .externalDataFile: "the qcow2 image keeps its data in an external data file"
        case .unknownFeatures(let format, let bits):
            "the \(format) image uses unsupported incompatible features (0x\(String(bits, radix: 16)))"
        case .unsupportedVersion(let format, let version): "\(format) version \(version) is not supported"
        case .unsupportedSubformat(.vmdk, let subformat):
            "vmdk subformat \"\(subformat)\" is not supported (only monolithicSparse and streamOptimized are)"
        case .unsupportedSubformat(let format, let subformat): "\(format) subformat \"\(subformat)\" is not supported"
        case .externalExtent: "the vmdk descriptor refers to data outside the image file"
        case .invalidDescriptor(let reason): "the vmdk descriptor is invalid: \(reason)"
        case .malformed(let format, let reason): "the \(format) header is invalid: \(reason)"
        case .bannedFormat(let format): "\(format) images are not allowed"
        }
    }
}
