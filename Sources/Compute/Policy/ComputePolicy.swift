import StratusKit

/// Compute's policy on the shared engine, overridable by `compute-policy.yaml`.
struct ComputePolicy: Sendable {
    let rules: ServicePolicy

    init(overrides: [String: String] = [:]) throws {
        rules = try ServicePolicy(
            defaults: ComputeDefaultRules.rules.merging(ServerPolicyRules.rules) { current, _ in current }, overrides: overrides, refusal: ComputeErrors.policy)
    }

    /// Throws Nova's 403 unless a project-scoped caller passes the rule.
    func enforce(_ rule: String, _ auth: AuthContext, target: PolicyAttributes = [:]) throws {
        try rules.enforce(rule, auth, target: target)
    }

    func allows(_ rule: String, _ auth: AuthContext, target: PolicyAttributes = [:]) -> Bool {
        rules.allows(rule, auth, target: target)
    }

    func isAdmin(_ auth: AuthContext) -> Bool { rules.isAdmin(auth) }
}
