import StratusKit

/// Neutron's policy on the shared engine, overridable by `network-policy.yaml`.
struct NetworkPolicy: Sendable {
    let engine: PolicyEngine

    init(overrides: [String: String] = [:]) throws {
        engine = try PolicyEngine(defaults: NetworkDefaultRules.rules, overrides: overrides)
    }

    func allows(_ rule: String, _ auth: AuthContext, target: PolicyAttributes = [:]) -> Bool {
        engine.enforce(rule, credentials: auth.policyCredentials, target: target)
    }

    /// Throws Neutron's 403 (`PolicyNotAuthorized`) unless the rule allows the caller; every
    /// rule is scoped to projects.
    func enforce(_ rule: String, _ auth: AuthContext, target: PolicyAttributes = [:]) throws {
        guard auth.projectID != nil, allows(rule, auth, target: target) else { throw NetworkErrors.policy(rule) }
    }

    func isAdmin(_ auth: AuthContext) -> Bool { allows("context_is_admin", auth) }

    static func target(projectID: String, network: NetworkRecord?) -> PolicyAttributes {
        [
            "project_id": .string(projectID), "tenant_id": .string(projectID),
            "network_owner": .optional(network?.projectID), "network_shared": .bool(network?.shared ?? false),
            "network_external": .bool(network?.external ?? false),
        ]
    }
}
