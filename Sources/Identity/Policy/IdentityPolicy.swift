import StratusKit

/// Keystone's policy: the default rules, overridden rule by rule by `policy.yaml` in the
/// data directory, and each rule's scope types (a token of another scope is refused).
struct IdentityPolicy: Sendable {
    let engine: PolicyEngine

    init(overrides: [String: String] = [:]) throws {
        engine = try PolicyEngine(defaults: IdentityDefaultRules.rules, overrides: overrides)
    }

    static func loadOverrides(file: String) throws -> [String: String] {
        try PolicyEngine.loadOverrides(file: file)
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
