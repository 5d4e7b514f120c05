/// An oslo.policy-compatible policy: named rules in oslo's policy language,
/// parsed once, enforced against a request's credentials and target.
///
/// ```swift
/// let engine = try PolicyEngine(defaults: [
///     "admin_required": "role:admin",
///     "identity:get_user": "rule:admin_required or user_id:%(target.user.id)s",
/// ])
/// engine.enforce("identity:get_user",
///                credentials: ["user_id": "u1", "roles": ["member"]],
///                target: ["target.user.id": "u1"])   // true
/// ```
///
/// Checks compare as oslo.policy's do: through Python's `str()` of the
/// values (`True`, `None`), dotted credential keys looked up whole.
///
/// Where oslo.policy's enforcement raises, the request is denied outright
/// — an enclosing `not` or `or` cannot turn that into a grant. Beyond that,
/// Stratus differs from oslo.policy only by failing closed:
/// - A rule oslo cannot parse (which it logs and treats as `!`), a check
///   with no `:`, or one with an empty kind makes `init` throw a
///   ``PolicyParseError``.
/// - Evaluation that re-enters a rule it is already evaluating (a `rule:`
///   cycle, where oslo recurses until Python raises) denies.
/// - `http:`/`https:` checks deny, as do generic checks whose kind is
///   neither a Python literal nor a (dotted) name, e.g. `a-b:x`.
/// - `roles` given as a string (which oslo iterates character by
///   character) matches no role.
public struct PolicyEngine: Sendable {
    /// Rule name → slot in `rules`.
    private let slots: [String: Int]
    /// Parsed rules with `rule:` references resolved to slots.
    private let rules: [PolicyRule]
    /// Per slot: whether evaluating the rule can reach a `rule:` cycle, and
    /// so needs re-entry tracking.
    private let reachesCycle: [Bool]

    /// Parses every rule once. `overrides` replace only the rules they name
    /// (as a policy.yaml does) and may add rules of their own; a rule that is
    /// overridden is not parsed from its default.
    ///
    /// - Throws: ``PolicyParseError`` naming the first rule, in name order,
    ///   that is not valid policy language, and the position of the problem.
    public init(defaults: [String: String], overrides: [String: String] = [:]) throws {
        let texts = defaults.merging(overrides) { _, override in override }
        let names = texts.keys.sorted()
        var slots: [String: Int] = [:]
        slots.reserveCapacity(names.count)
        for (slot, name) in names.enumerated() { slots[name] = slot }

        var rules: [PolicyRule] = []
        rules.reserveCapacity(names.count)
        for name in names {
            let parsed = try PolicyParser.parse(texts[name]!, ruleName: name)
            rules.append(parsed.resolvingReferences(slots))
        }
        self.slots = slots
        self.rules = rules
        self.reachesCycle = Self.cycleReachability(rules)
    }

    /// Whether `credentials` may perform `rule` on `target`. An undefined
    /// rule is denied.
    public func enforce(_ rule: String, credentials: PolicyAttributes, target: PolicyAttributes) -> Bool {
        guard let slot = slots[rule] else { return false }
        var evaluation = PolicyEvaluation(
            rules: rules, credentials: credentials, target: target,
            activeSlots: reachesCycle[slot] ? [slot] : nil)
        do {
            return try evaluation.evaluate(rules[slot])
        } catch {
            return false
        }
    }

    /// Whether a rule of this name is defined.
    public func has(_ rule: String) -> Bool {
        slots[rule] != nil
    }

    /// The parsed tree of a rule, for tests and diagnostics.
    func parsedRule(_ name: String) -> PolicyRule? {
        slots[name].map { rules[$0] }
    }

    /// For each slot, whether some chain of `rule:` references from it
    /// leads into a cycle.
    private static func cycleReachability(_ rules: [PolicyRule]) -> [Bool] {
        let edges = rules.map(\.referencedSlots)
        enum State { case unvisited, inProgress, done }
        var state = Array(repeating: State.unvisited, count: rules.count)
        var result = Array(repeating: false, count: rules.count)

        func visit(_ slot: Int) -> Bool {
            state[slot] = .inProgress
            var reaches = false
            for next in edges[slot] {
                switch state[next] {
                case .inProgress: reaches = true  // back edge: `slot` is on a cycle
                case .unvisited: if visit(next) { reaches = true }
                case .done: if result[next] { reaches = true }
                }
            }
            state[slot] = .done
            result[slot] = reaches
            return reaches
        }

        for slot in rules.indices where state[slot] == .unvisited {
            _ = visit(slot)
        }
        return result
    }
}
