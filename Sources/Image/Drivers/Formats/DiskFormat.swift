/// Image `disk_format` values, as Glance names them.
///
/// `inspect` reports one of `raw`, `qcow2`, `vmdk`, `vdi`, `vhd`, `vhdx`, `iso`, `ploop`, `qed`
/// or `luks`. `gpt`, `ami`, `aki` and `ari` are only ever declared: content with a partition
/// table is reported as `raw` with a `partitionTable`, and Amazon kernel, ramdisk and machine
/// images are raw data.
public enum DiskFormat: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case raw, qcow2, vmdk, vdi, vhd, vhdx, iso, ploop, qed, luks, gpt, ami, aki, ari

    public var description: String { rawValue }

    /// Formats whose content must be recognised as that format when they are declared.
    static let mustMatchWhenDeclared: Set<DiskFormat> = [.qcow2, .vmdk, .vdi, .vhd, .vhdx, .iso, .ploop, .qed, .luks]
}
