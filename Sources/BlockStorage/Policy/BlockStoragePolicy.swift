import StratusKit

/// Block Storage's policy on the shared engine, overridable by `block-storage-policy.yaml`.
struct BlockStoragePolicy: Sendable {
    let rules: ServicePolicy

    init(overrides: [String: String] = [:]) throws {
        rules = try ServicePolicy(
            defaults: BlockStorageDefaultRules.rules, overrides: overrides, refusal: BlockStorageErrors.policy)
    }

    /// Throws Cinder's 403 unless a project-scoped caller passes the rule for a resource of `projectID`.
    func enforce(_ rule: String, _ auth: AuthContext, projectID: String? = nil) throws {
        try rules.enforce(rule, auth, target: Self.target(auth, projectID))
    }

    func allows(_ rule: String, _ auth: AuthContext, projectID: String? = nil) -> Bool {
        rules.allows(rule, auth, target: Self.target(auth, projectID))
    }

    func isAdmin(_ auth: AuthContext) -> Bool { rules.isAdmin(auth) }

    private static func target(_ auth: AuthContext, _ projectID: String?) -> PolicyAttributes {
        ["project_id": .string(projectID ?? auth.projectID ?? ""), "user_id": .string(auth.userID)]
    }
}
