import StratusKit

/// One item of `block_device_mapping_v2` in a server create body, as Nova's
/// `BlockDeviceDict.from_api` reads it: where the device comes from (`source_type` with its
/// `uuid`), where it goes (`destination_type`), and its place in the boot order.
struct BlockDeviceMapping: Sendable, Equatable {
    enum Source: String, Sendable { case image, volume, snapshot, blank }
    enum Destination: String, Sendable { case local, volume }

    var source: Source
    var destination: Destination
    var uuid: String?
    /// Nil or negative: the device is not bootable.
    var bootIndex: Int?
    /// GiB; for swap Nova reads it as MiB, like the flavor's `swap`.
    var volumeSize: Int64?
    var guestFormat: String?
    var deviceName: String?
    var diskBus: String?
    var deviceType: String?
    var deleteOnTermination: Bool
    var tag: String?
    var volumeType: String?

    var isSwap: Bool { source == .blank && destination == .local && guestFormat == "swap" }
    var isEphemeral: Bool { source == .blank && destination == .local && guestFormat != "swap" }
    /// A mapping that needs the Block Storage service: any volume or snapshot.
    var needsBlockStorage: Bool { destination == .volume || source == .volume || source == .snapshot }

    /// Nova's `max_local_block_devices` default.
    static let maxLocalDevices = 3

    /// The mapping the server boots from when it is a volume (boot from volume).
    static func bootVolume(of mappings: [BlockDeviceMapping]) -> BlockDeviceMapping? {
        mappings.first { $0.bootIndex == 0 && $0.destination == .volume }
    }

    /// The whole list against the flavor: a boot sequence 0, 1, 2 … (the image given as
    /// `imageRef` is device 0 when no mapping claims it), ephemeral disks within the flavor's
    /// ephemeral size, at most one swap within its swap. Volumes need the Block Storage
    /// service: without it (`blockStorage` false) they are refused here rather than failing
    /// the build later; with it, a new volume (from an image or blank) needs its size.
    static func validate(
        _ mappings: [BlockDeviceMapping], imageRef: String, flavor: FlavorRecord, blockStorage: Bool
    ) throws {
        var bootIndexes = mappings.compactMap(\.bootIndex).filter { $0 >= 0 }
        if !imageRef.isEmpty, !bootIndexes.contains(0) { bootIndexes.append(0) }
        bootIndexes.sort()
        guard !bootIndexes.isEmpty, bootIndexes.enumerated().allSatisfy({ $0.offset == $0.element }) else {
            throw Self.invalid("Boot sequence for the instance and image/block device mapping combination is not valid.")
        }
        if !blockStorage, let mapping = mappings.first(where: \.needsBlockStorage) {
            let what = mapping.source == .blank || mapping.source == .image ? "a \(mapping.destination.rawValue) volume" : "\(mapping.source.rawValue) \(mapping.uuid ?? "")"
            throw Self.invalid("failed to get \(what): the Block Storage service is not running in this cloud.")
        }
        for mapping in mappings where mapping.destination == .volume {
            if mapping.source == .image, (mapping.volumeSize ?? 0) == 0 {
                throw Self.invalid("Images with destination_type 'volume' need to have a non-zero size specified")
            }
            if mapping.source == .blank, (mapping.volumeSize ?? 0) == 0 {
                throw Self.invalid("Blank volumes (source: 'blank', dest: 'volume') need to have non-zero size")
            }
        }
        let ephemeralGB = mappings.filter(\.isEphemeral).reduce(Int64(0)) { $0 + ($1.volumeSize ?? flavor.ephemeralGB) }
        if ephemeralGB > flavor.ephemeralGB {
            throw ComputeErrors.badRequest("Ephemeral disks requested are larger than the instance type allows. If no size is given in one block device mapping, flavor ephemeral size will be used.")
        }
        let swaps = mappings.filter(\.isSwap)
        var localDevices = mappings.filter { $0.destination == .local }.count
        if !imageRef.isEmpty, !mappings.contains(where: { $0.source == .image && $0.bootIndex == 0 }) { localDevices += 1 }
        if flavor.ephemeralGB > 0, !mappings.contains(where: \.isEphemeral) { localDevices += 1 }
        if flavor.swapMB > 0, swaps.isEmpty { localDevices += 1 }
        if localDevices > maxLocalDevices {
            throw Self.invalid("You specified more local devices than the limit allows")
        }
        if swaps.count > 1 { throw Self.invalid("More than one swap drive requested.") }
        if let swap = swaps.first, (swap.volumeSize ?? 0) > flavor.swapMB {
            throw ComputeErrors.badRequest("Swap drive requested is larger than instance type allows.")
        }
    }

    static func invalid(_ details: String) -> APIError {
        ComputeErrors.badRequest("Block Device Mapping is Invalid: \(details)")
    }
}
