import StratusKit

/// Neutron's policy on the shared engine, overridable by `network-policy.yaml`.
struct NetworkPolicy: Sendable {
    let rules: ServicePolicy

    init(overrides: [String: String] = [:]) throws {
        rules = try ServicePolicy(defaults: NetworkDefaultRules.rules, overrides: overrides, refusal: NetworkErrors.policy)
    }

    func allows(_ rule: String, _ auth: AuthContext, target: PolicyAttributes = [:]) -> Bool {
        rules.allows(rule, auth, target: target)
    }

    /// Throws Neutron's 403 (`PolicyNotAuthorized`) unless a project-scoped caller passes.
    func enforce(_ rule: String, _ auth: AuthContext, target: PolicyAttributes = [:]) throws {
        try rules.enforce(rule, auth, target: target)
    }

    func isAdmin(_ auth: AuthContext) -> Bool { rules.isAdmin(auth) }

    static func target(projectID: String, network: NetworkRecord?) -> PolicyAttributes {
        [
            "project_id": .string(projectID), "tenant_id": .string(projectID),
            "network_owner": .optional(network?.projectID), "network_shared": .bool(network?.isSharedForViewer ?? false),
            "network_external": .bool(network?.isExternalForViewer ?? false),
        ]
    }
}
