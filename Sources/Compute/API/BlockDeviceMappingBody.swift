import StratusKit

/// Reads `block_device_mapping_v2` with Nova's schema for the microversion and the checks
/// `from_api` makes on each item; `BlockDeviceMapping.validate` then checks the whole list against the flavor
/// as Nova's `_validate_bdm` does.
enum BlockDeviceMappingBody {
    /// Disk buses Nova's `DiskBus` field knows.
    static let diskBuses: Set<String> = ["fdc", "ide", "sata", "scsi", "usb", "virtio", "xen", "lxc", "uml"]

    static func parse(_ value: JSONValue?, imageRefGiven: Bool, version: Microversion) throws -> [BlockDeviceMapping] {
        guard let value else { return [] }
        guard let list = value.arrayValue else {
            throw ComputeErrors.invalidInput("block_device_mapping_v2", value, "\(value.jsonText()) is not of type 'array'")
        }
        var allowed: Set<String> = [
            "virtual_name", "volume_id", "snapshot_id", "volume_size", "device_name", "delete_on_termination",
            "no_device", "connection_info", "source_type", "uuid", "image_id", "destination_type", "guest_format",
            "device_type", "disk_bus", "boot_index",
        ]
        if version.isAtLeast(2, 42) || version == Microversion(2, 32) { allowed.insert("tag") }
        if version.isAtLeast(2, 67) { allowed.insert("volume_type") }
        var mappings: [BlockDeviceMapping] = []
        for item in list {
            guard let object = item.objectValue else {
                throw ComputeErrors.invalidInput("block_device_mapping_v2", item, "\(item.jsonText()) is not of type 'object'")
            }
            let body = ComputeBody(name: "block_device_mapping_v2", object: object)
            try body.onlyAllow(allowed)
            if isTruthy(object["no_device"]) { continue }
            if let mapping = try parseItem(body, imageRefGiven: imageRefGiven) { mappings.append(mapping) }
        }
        return mappings
    }

    private static func parseItem(_ body: ComputeBody, imageRefGiven: Bool) throws -> BlockDeviceMapping? {
        let object = body.object
        guard let sourceText = try body.string("source_type", minLength: 0) else {
            throw invalid("source_type is a required property of a block_device_mapping_v2 item.")
        }
        guard let source = BlockDeviceMapping.Source(rawValue: sourceText) else {
            throw ComputeErrors.invalidInput(
                "source_type", .string(sourceText), "'\(sourceText)' is not one of ['volume', 'image', 'snapshot', 'blank']")
        }
        let destinationText = try body.string("destination_type", minLength: 0)
        let destination: BlockDeviceMapping.Destination
        if let destinationText {
            guard let parsed = BlockDeviceMapping.Destination(rawValue: destinationText) else {
                throw ComputeErrors.invalidInput(
                    "destination_type", .string(destinationText), "'\(destinationText)' is not one of ['local', 'volume']")
            }
            destination = parsed
        } else {
            // Nova's default: blank and image sources are local, volumes and snapshots volumes.
            destination = source == .blank || source == .image ? .local : .volume
        }
        let uuid = try body.string("uuid", minLength: 1, maxLength: 255)
        if let uuid, !uuid.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) {
            throw ComputeErrors.invalidInput("uuid", .string(uuid), "'\(uuid)' does not match '^[a-zA-Z0-9._-]*$'")
        }
        let bootIndex = try parseBootIndex(object["boot_index"])
        let volumeType = try body.string("volume_type", minLength: 0, maxLength: 255)
        if source == .blank, uuid != nil { throw invalid("Invalid device UUID.") }
        if source != .blank, uuid == nil { throw invalid("Missing device UUID.") }
        if source == .image, destination == .local, !(imageRefGiven && bootIndex == 0) {
            throw invalid("Mapping image to local is not supported.")
        }
        if destination == .local, volumeType != nil {
            throw invalid("Specifying a volume_type with destination_type=local is not supported.")
        }
        if source == .volume, volumeType != nil {
            throw invalid("Specifying volume type to existing volume is not supported.")
        }
        let deviceName = try body.string("device_name", minLength: 1, maxLength: 255)
        if let deviceName, !deviceName.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._/-".contains($0)) }) {
            throw ComputeErrors.invalidInput("device_name", .string(deviceName), "'\(deviceName)' does not match '^[a-zA-Z0-9._/-]*$'")
        }
        let diskBus = try body.string("disk_bus", minLength: 0, maxLength: 255)
        if let diskBus, !diskBuses.contains(diskBus) {
            throw ComputeErrors.badRequest("Block Device Mapping is Invalid: Unsupported disk_bus: \(diskBus)")
        }
        return BlockDeviceMapping(
            source: source, destination: destination, uuid: uuid, bootIndex: bootIndex,
            volumeSize: try body.integer("volume_size", minimum: 1),
            guestFormat: try body.string("guest_format", minLength: 0, maxLength: 255), deviceName: deviceName,
            diskBus: diskBus, deviceType: try body.string("device_type", minLength: 0, maxLength: 255),
            deleteOnTermination: try body.boolean("delete_on_termination") ?? false,
            tag: try body.string("tag", minLength: 1, maxLength: 60), volumeType: volumeType)
    }

    /// `no_device` takes any value; as in Nova, a truthy one suppresses the mapping.
    private static func isTruthy(_ value: JSONValue?) -> Bool {
        switch value {
        case .none, .null?: false
        case .bool(let flag)?: flag
        case .int(let number)?: number != 0
        case .double(let number)?: number != 0
        case .string(let text)?: !text.isEmpty
        case .array(let items)?: !items.isEmpty
        case .object(let members)?: !members.isEmpty
        }
    }

    /// `boot_index`: an integer, a string of one, or null (not bootable).
    private static func parseBootIndex(_ value: JSONValue?) throws -> Int? {
        guard let value, !value.isNull else { return nil }
        if let int = value.intValue { return Int(int) }
        if let text = value.stringValue, let int = Int(text) { return int }
        throw ComputeErrors.invalidInput("boot_index", value, "\(value.jsonText()) is not of type 'integer', 'string', 'null'")
    }

    private static func invalid(_ details: String) -> APIError { BlockDeviceMapping.invalid(details) }
}
