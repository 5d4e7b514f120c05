import StratusKit

/// Glance's policy on the shared engine: the default rules, overridden rule by rule by
/// `image-policy.yaml` in the data directory.
struct ImagePolicy: Sendable {
    let rules: ServicePolicy

    init(overrides: [String: String] = [:]) throws {
        rules = try ServicePolicy(defaults: ImageDefaultRules.rules, overrides: overrides) { rule in
            APIError.forbidden("You are not authorized to complete \(rule) action.")
        }
    }

    func allows(_ rule: String, _ auth: AuthContext, target: PolicyAttributes = [:]) -> Bool {
        rules.allows(rule, auth, target: target)
    }

    /// Throws Glance's 403 unless the rule allows the caller (a project-scoped one: every
    /// Glance rule is scoped to projects).
    func enforce(_ rule: String, _ auth: AuthContext, target: PolicyAttributes = [:]) throws {
        try rules.enforce(rule, auth, target: target)
    }

    func isAdmin(_ auth: AuthContext) -> Bool { rules.isAdmin(auth) }

    /// An image as policy rules see it. `member_id` is the member a change concerns, or
    /// else the caller's project when it sees someone else's shared image (which it can
    /// only as a member).
    func target(_ image: ImageRecord, auth: AuthContext, memberID: String? = nil) -> PolicyAttributes {
        let sharedWithCaller = image.visibility == .shared && image.owner != nil && image.owner != auth.projectID
        return [
            "project_id": .optional(image.owner), "owner": .optional(image.owner),
            "visibility": .string(image.visibility.rawValue), "id": .string(image.id),
            "member_id": .optional(memberID ?? (sharedWithCaller ? auth.projectID : nil)),
        ]
    }
}
