/// A policy rule string that is not valid policy language.
///
/// Where oslo.policy logs such a rule and treats it as `!` (deny), Stratus
/// refuses to load the policy, so a typo in a default or a policy.yaml is
/// found at startup rather than as unexplained 403s.
public struct PolicyParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The name of the rule, e.g. `identity:get_user`.
    public let ruleName: String
    /// The rule's check string as given.
    public let ruleText: String
    /// Zero-based offset into `ruleText`, counted in Unicode scalars (code
    /// points, as Python counts), where the problem was found.
    public let position: Int
    /// What is wrong, e.g. `expected ')' to close '(' at 0`.
    public let message: String

    public init(ruleName: String, ruleText: String, position: Int, message: String) {
        self.ruleName = ruleName
        self.ruleText = ruleText
        self.position = position
        self.message = message
    }

    public var description: String {
        "policy rule \"\(ruleName)\": \(message) at position \(position) in \"\(ruleText)\""
    }
}
