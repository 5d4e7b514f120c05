import Foundation
import StratusKit
import Yams

/// Keystone's policy: the default rules, overridden rule by rule by `policy.yaml` in the
/// data directory, and each rule's scope types (a token of another scope is refused).
struct IdentityPolicy: Sendable {
    let engine: PolicyEngine

    init(overrides: [String: String] = [:]) throws {
        engine = try PolicyEngine(defaults: IdentityDefaultRules.rules, overrides: overrides)
    }

    /// Reads the overrides of a `policy.yaml` (a mapping of rule name to rule string).
    static func loadOverrides(file: String) throws -> [String: String] {
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

    func allows(_ rule: String, _ auth: AuthContext, target: PolicyAttributes = [:]) -> Bool {
        if let scopeTypes = IdentityDefaultRules.scopeTypes[rule] {
            let tokenScope: String =
                switch auth.scope {
                case .system: "system"
                case .domain: "domain"
                case .project, .unscoped: "project"
                }
            if !scopeTypes.contains(tokenScope) { return false }
        }
        return engine.enforce(rule, credentials: auth.policyCredentials, target: target)
    }

    /// Throws Keystone's 403 unless the rule allows the caller.
    func enforce(_ rule: String, _ auth: AuthContext, target: PolicyAttributes = [:]) throws {
        guard allows(rule, auth, target: target) else {
            throw APIError.forbidden("You are not authorized to perform the requested action: \(rule).")
        }
    }
}
