import Foundation
import StratusKit

/// Where account and container databases live on a server's devices, as Swift lays them out:
/// `<devices>/<device>/<accounts|containers>/<partition>/<suffix>/<hash>/<hash>.db`, where
/// `<hash>` is the hex MD5 of the account (or account/container) path computed by the ring's
/// `HashPath` and `<suffix>` is its last three hex digits.
public struct BrokerLocation: Sendable {
    public enum Kind: String, Sendable {
        case account = "accounts"
        case container = "containers"
    }

    /// The directory holding one directory per device (Swift's `devices`, `/srv/node`).
    public let devicesRoot: String
    public let hashPath: HashPath

    public init(devicesRoot: String, hashPath: HashPath) {
        self.devicesRoot = devicesRoot.hasSuffix("/") && devicesRoot.count > 1 ? String(devicesRoot.dropLast()) : devicesRoot
        self.hashPath = hashPath
    }

    /// The hex MD5 that names the database of an account or a container.
    public func hash(account: String, container: String? = nil) throws -> String {
        Hex.lowercase(try hashPath.digest(account: account, container: container))
    }

    /// `<devices>/<device>/<kind>/<partition>/<suffix>/<hash>/<hash>.db`.
    public func databasePath(kind: Kind, device: String, partition: String, hash: String) -> String {
        "\(devicesRoot)/\(device)/\(kind.rawValue)/\(partition)/\(hash.suffix(3))/\(hash)/\(hash).db"
    }

    public func accountDatabasePath(device: String, partition: String, account: String) throws -> String {
        databasePath(kind: .account, device: device, partition: partition, hash: try hash(account: account))
    }

    public func containerDatabasePath(device: String, partition: String, account: String, container: String) throws
        -> String
    {
        databasePath(
            kind: .container, device: device, partition: partition, hash: try hash(account: account, container: container))
    }

    /// The device's directory when the device name is plain (what `quote_plus` leaves unchanged:
    /// letters, digits, `_ . - ~`) and the directory exists; nil otherwise, which the servers
    /// answer with 507 Insufficient Storage as Swift does for a missing or unmounted drive.
    public func deviceDirectory(_ device: String) -> String? {
        guard !device.isEmpty,
            device.utf8.allSatisfy({
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a)
                    || $0 == 0x5f || $0 == 0x2e || $0 == 0x2d || $0 == 0x7e
            })
        else { return nil }
        let path = "\(devicesRoot)/\(device)"
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return nil
        }
        return path
    }
}
