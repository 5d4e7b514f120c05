import Foundation
import Yams

extension PolicyEngine {
    /// Reads the rule overrides of a service's `policy.yaml` (a mapping of rule name to
    /// rule string, as oslo.policy reads it); a missing file overrides nothing.
    public static func loadOverrides(file: String) throws -> [String: String] {
        guard FileManager.default.fileExists(atPath: file) else { return [:] }
        let text = try String(contentsOfFile: file, encoding: .utf8)
        guard let loaded = try Yams.load(yaml: text) else { return [:] }
        guard let mapping = loaded as? [String: Any] else {
            throw ConfigError("\(file) must be a mapping of rule names to rules")
        }
        var overrides: [String: String] = [:]
        for (name, value) in mapping {
            guard let rule = value as? String else { throw ConfigError("\(file): rule \(name) must be a string") }
            overrides[name] = rule
        }
        return overrides
    }
}
