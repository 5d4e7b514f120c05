import StratusKit

/// Glance's policy on the shared engine: the default rules, overridden rule by rule by
/// `image-policy.yaml` in the data directory.
struct ImagePolicy: Sendable {
    let engine: PolicyEngine

    init(overrides: [String: String] = [:]) throws {
        engine = try PolicyEngine(defaults: ImageDefaultRules.rules, overrides: overrides)
    }

    func allows(_ rule: String, _ auth: AuthContext, target: PolicyAttributes = [:]) -> Bool {
        engine.enforce(rule, credentials: auth.policyCredentials, target: target)
    }

    /// Throws Glance's 403 unless the rule allows the caller. Every Glance rule is scoped
    /// to projects: a token without a project (domain or system scope) is refused outright.
    func enforce(_ rule: String, _ auth: AuthContext, target: PolicyAttributes = [:]) throws {
        guard auth.projectID != nil else {
            throw APIError.forbidden("The Image API requires a project-scoped token.")
        }
        guard allows(rule, auth, target: target) else {
            throw APIError.forbidden("You are not authorized to complete \(rule) action.")
        }
    }

    func isAdmin(_ auth: AuthContext) -> Bool { allows("context_is_admin", auth) }

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
