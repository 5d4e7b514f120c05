import Foundation
import StratusKit

/// The Block Storage options (`block_storage.*` in stratus.conf).
struct BlockStorageSettings: Sendable {
    /// Cinder's `default_availability_zone` / `storage_availability_zone`.
    var availabilityZone = "nova"
    /// The type a volume gets when none is named (`default_volume_type`).
    var defaultVolumeType = "__DEFAULT__"
    /// The default quotas of every project (Cinder's `quota_*` options).
    var defaultQuotas: [String: Int64] = [
        "volumes": 10, "snapshots": 10, "gigabytes": 1000, "backups": 10, "backup_gigabytes": 1000,
        "per_volume_gigabytes": -1, "groups": 10,
    ]
    /// How long a user message is kept (`message_ttl`, seconds).
    var messageTTLSeconds: Int64 = 2_592_000
    /// A service that missed its heartbeats this long is down (`service_down_time`).
    var serviceDownTimeSeconds: Int64 = 60
    /// Where backups go (`backup_driver`): `file` (the data directory) or `swift` (Object Storage).
    var backupDriver = BackupDriver.file
    /// The Object Storage container of the `swift` backup driver (`backup_swift_container`).
    var backupContainer = "volumebackups"

    enum BackupDriver: String, Sendable { case file, swift }

    init() {}

    init(config: StratusConfig) throws {
        availabilityZone = config.string("block_storage.availability_zone", default: availabilityZone)
        defaultVolumeType = config.string("block_storage.default_volume_type", default: defaultVolumeType)
        for resource in defaultQuotas.keys {
            defaultQuotas[resource] = Int64(try config.int("block_storage.quota_\(resource)", default: Int(defaultQuotas[resource]!)))
        }
        messageTTLSeconds = Int64(try config.int("block_storage.message_ttl", default: Int(messageTTLSeconds)))
        serviceDownTimeSeconds = Int64(try config.int("block_storage.service_down_time", default: Int(serviceDownTimeSeconds)))
        let driver = config.string("block_storage.backup_driver", default: backupDriver.rawValue)
        guard let backupDriver = BackupDriver(rawValue: driver) else {
            throw ConfigError("block_storage.backup_driver must be 'file' or 'swift', not '\(driver)'")
        }
        self.backupDriver = backupDriver
        backupContainer = config.string("block_storage.backup_container", default: backupContainer)
    }
}

extension FilePool {
    /// Two pools of different size and kind, so scheduling is visible on a laptop.
    public static let defaults = [
        FilePool(name: "thin", capacityGB: 40, thin: true, capabilities: ["storage_tier": "standard"]),
        FilePool(name: "thick", capacityGB: 10, thin: false, capabilities: ["storage_tier": "gold"]),
    ]

    /// The pools `block_storage.file_pools` names: a comma-separated list of
    /// `name:capacityGB:thin|thick[:key=value;key=value]`; the defaults when nil.
    public static func parse(_ text: String?) throws -> [FilePool] {
        guard let text else { return defaults }
        return try text.split(separator: ",").map { item in
            let parts = item.trimmingCharacters(in: .whitespaces).split(separator: ":", maxSplits: 3).map(String.init)
            guard parts.count >= 3, let capacity = Double(parts[1]), capacity > 0, parts[2] == "thin" || parts[2] == "thick"
            else {
                throw ConfigError("block_storage.file_pools: \"\(item)\" is not name:capacityGB:thin|thick[:key=value;…]")
            }
            var capabilities: [String: String] = [:]
            if parts.count == 4 {
                for pair in parts[3].split(separator: ";") {
                    let keyValue = pair.split(separator: "=", maxSplits: 1).map(String.init)
                    guard keyValue.count == 2 else { throw ConfigError("block_storage.file_pools: bad capability \"\(pair)\"") }
                    capabilities[keyValue[0]] = keyValue[1]
                }
            }
            return FilePool(name: parts[0], capacityGB: capacity, thin: parts[2] == "thin", capabilities: capabilities)
        }
    }
}
