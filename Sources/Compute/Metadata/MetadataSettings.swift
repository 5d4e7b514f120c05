import Foundation
import StratusKit

/// The metadata service's settings (`metadata.*`): where it listens, the secret Neutron's
/// metadata proxy signs instance ids with, the domain added to hostnames, and the static
/// vendor data.
struct MetadataSettings: Sendable {
    /// Nova's `metadata_listen_port`.
    static let defaultPort = 8775
    /// Where a generated shared secret is kept in the data directory.
    static let secretFileName = "metadata-proxy-secret"

    /// `metadata.proxy_shared_secret`, else the one generated into the data directory.
    var proxySharedSecret: String
    /// `metadata.dhcp_domain` (Nova's `[api] dhcp_domain`, `novalocal`); empty for none.
    var dhcpDomain: String
    /// The object of `metadata.vendordata_jsonfile_path` (Nova's StaticJSON provider); `{}` without one.
    var staticVendorData: JSONValue

    init(proxySharedSecret: String, dhcpDomain: String = "novalocal", staticVendorData: JSONValue = .object([:])) {
        self.proxySharedSecret = proxySharedSecret
        self.dhcpDomain = dhcpDomain
        self.staticVendorData = staticVendorData
    }

    /// Reads the settings; without `metadata.proxy_shared_secret` the secret saved in
    /// `DATA_DIR/metadata-proxy-secret` is used, made on the first start (mode 0600).
    init(config: StratusConfig, dataDirectory: String) throws {
        dhcpDomain = config.string("metadata.dhcp_domain", default: "novalocal")
        if let configured = config.string("metadata.proxy_shared_secret") {
            proxySharedSecret = configured
        } else {
            proxySharedSecret = try Self.savedSecret(in: dataDirectory)
        }
        if let path = config.string("metadata.vendordata_jsonfile_path") {
            guard let data = FileManager.default.contents(atPath: path), let object = try? JSONValue.parse(data),
                object.objectValue != nil
            else {
                throw ConfigError("metadata.vendordata_jsonfile_path: \(path) does not hold a JSON object")
            }
            staticVendorData = object
        } else {
            staticVendorData = .object([:])
        }
    }

    /// The secret in the data directory, generated and saved when there is none yet.
    static func savedSecret(in dataDirectory: String) throws -> String {
        let file = dataDirectory + "/" + secretFileName
        if let saved = (try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines),
            !saved.isEmpty
        {
            return saved
        }
        let generated = Hex.lowercase(IDGenerator.randomBytes(32))
        try Data((generated + "\n").utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        return generated
    }
}
