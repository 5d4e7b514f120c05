import Foundation
import Yams

/// Stratus's settings: an optional YAML file (sections of key: value, e.g.
/// `identity: {token_expiration: 3600}`) with environment-variable overrides
/// (`STRATUS_IDENTITY_TOKEN_EXPIRATION=7200`). Every setting has a default, so no file
/// is needed. Keys are dotted paths; see docs/configuration.md for the list.
public struct StratusConfig: Sendable {
    public private(set) var values: [String: String]

    public init(values: [String: String] = [:]) {
        self.values = values
    }

    /// Reads `file` (when it exists) and then the environment.
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> StratusConfig
    {
        var config = StratusConfig()
        if let file, FileManager.default.fileExists(atPath: file) {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            guard let node = try Yams.compose(yaml: text) else { return config.overlaid(environment: environment) }
            config.flatten(node, prefix: "")
        }
        return config.overlaid(environment: environment)
    }

    private mutating func flatten(_ node: Node, prefix: String) {
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                guard let name = key.string else { continue }
                flatten(value, prefix: prefix.isEmpty ? name : prefix + "." + name)
            }
        case .scalar(let scalar):
            values[prefix] = scalar.string
        case .sequence(let sequence):
            values[prefix] = sequence.compactMap(\.string).joined(separator: ",")
        default:
            break
        }
    }

    /// Sections whose names contain an underscore; any other section ends at the first one.
    static let multiWordSections = ["security_compliance", "block_storage"]

    /// `STRATUS_IDENTITY_TOKEN_EXPIRATION` overrides `identity.token_expiration`,
    /// `STRATUS_SECURITY_COMPLIANCE_LOCKOUT_DURATION` overrides `security_compliance.lockout_duration`.
    func overlaid(environment: [String: String]) -> StratusConfig {
        var config = self
        for (name, value) in environment where name.hasPrefix("STRATUS_") {
            let rest = name.dropFirst("STRATUS_".count).lowercased()
            let section =
                Self.multiWordSections.first { rest.hasPrefix($0 + "_") }
                ?? rest.firstIndex(of: "_").map { String(rest[..<$0]) }
            guard let section else { continue }
            let key = rest.dropFirst(section.count + 1)
            guard !key.isEmpty else { continue }
            config.values[section + "." + key] = value
        }
        return config
    }

    public mutating func set(_ key: String, _ value: String) { values[key] = value }

    public func string(_ key: String, default fallback: String) -> String { values[key] ?? fallback }
    public func string(_ key: String) -> String? { values[key].flatMap { $0.isEmpty ? nil : $0 } }

    public func int(_ key: String, default fallback: Int) throws -> Int {
        guard let text = values[key] else { return fallback }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
            throw ConfigError("setting \(key) must be an integer, not \"\(text)\"")
        }
        return value
    }

    public func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let text = values[key]?.lowercased() else { return fallback }
        switch text {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw ConfigError("setting \(key) must be true or false, not \"\(text)\"")
        }
    }
}
