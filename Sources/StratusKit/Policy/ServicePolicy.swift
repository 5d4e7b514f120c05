/// A service's policy: its default rules on the shared engine, overridden rule by rule by
/// the operator's policy file. Every rule of the services that use it is scoped to
/// projects, so a token without a project is refused whatever the rule says.
public struct ServicePolicy: Sendable {
    public let engine: PolicyEngine
    /// The error a refused rule raises, in the service's own wording.
    let refusal: @Sendable (String) -> APIError

    public init(
        defaults: [String: String], overrides: [String: String], refusal: @escaping @Sendable (String) -> APIError
    ) throws {
        engine = try PolicyEngine(defaults: defaults, overrides: overrides)
        self.refusal = refusal
    }

    public func allows(_ rule: String, _ auth: AuthContext, target: PolicyAttributes = [:]) -> Bool {
        engine.enforce(rule, credentials: auth.policyCredentials, target: target)
    }

    /// Throws the service's 403 unless a project-scoped caller passes the rule.
    public func enforce(_ rule: String, _ auth: AuthContext, target: PolicyAttributes = [:]) throws {
        guard auth.projectID != nil, allows(rule, auth, target: target) else { throw refusal(rule) }
    }

    /// Whether the caller passes `context_is_admin`.
    public func isAdmin(_ auth: AuthContext) -> Bool { allows("context_is_admin", auth) }
}
