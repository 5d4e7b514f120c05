import StratusKit

/// Placement's policy on the shared engine, overridable by `placement-policy.yaml`.
struct PlacementPolicy: Sendable {
    let rules: ServicePolicy

    init(overrides: [String: String] = [:]) throws {
        rules = try ServicePolicy(
            defaults: PlacementDefaultRules.rules, overrides: overrides, refusal: PlacementErrors.policy)
    }

    /// Throws Placement's 403 unless a project-scoped caller passes the rule.
    func enforce(_ rule: String, _ auth: AuthContext, target: PolicyAttributes = [:]) throws {
        try rules.enforce(rule, auth, target: target)
    }
}
