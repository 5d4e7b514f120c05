/// A parsed policy rule: the check tree oslo.policy builds from a rule
/// string. Built once by ``PolicyParser``; ``PolicyEngine`` then resolves
/// `rule:` references to indices so evaluation does no name lookups.
indirect enum PolicyRule: Sendable, Hashable, CustomStringConvertible {
    /// `@`: always passes (also the empty rule).
    case pass
    /// `!`: always fails.
    case fail
    /// `rule:NAME`. `index` is the referenced rule's slot in the engine, or
    /// -1 when unresolved or undefined (the check then fails).
    case reference(name: String, index: Int)
    /// `role:NAME`: NAME, after substitution, case-insensitively among
    /// credentials["roles"].
    case role(RoleCheck)
    /// `kind:match` for any other kind.
    case generic(GenericCheck)
    /// A check kind oslo.policy implements but Stratus does not (`http:`,
    /// `https:`, which call out to a remote server): evaluating it denies
    /// the whole request.
    case unsupported(kind: String, match: PolicyTemplate)
    case not(PolicyRule)
    case and([PolicyRule])
    case or([PolicyRule])

    struct RoleCheck: Sendable, Hashable {
        let name: PolicyTemplate
        /// The lower-cased role name when it has no substitutions.
        let loweredLiteral: String?

        init(name: PolicyTemplate) {
            self.name = name
            self.loweredLiteral = name.literalText?.lowercased()
        }
    }

    struct GenericCheck: Sendable, Hashable {
        /// What the left side of the check denotes.
        enum Subject: Sendable, Hashable {
            /// A credential looked up by its full (dotted) key.
            case credential(String)
            /// A Python literal (`'member'`, `True`, `1`), held in its
            /// `str()` form.
            case literal(String)
            /// Neither a literal nor a name or dotted path (`'unterminated`,
            /// `x..y`, `not`, `a-b`): evaluating the check denies the whole
            /// request, as oslo.policy's raises for Python syntax errors.
            case malformed
        }

        /// The left side as written.
        let kind: String
        let subject: Subject
        let match: PolicyTemplate
    }

    /// oslo.policy's `str()` of the check tree.
    var description: String {
        switch self {
        case .pass: "@"
        case .fail: "!"
        case .reference(let name, _): "rule:\(name)"
        case .role(let check): "role:\(check.name)"
        case .generic(let check): "\(check.kind):\(check.match)"
        case .unsupported(let kind, let match): "\(kind):\(match)"
        case .not(let inner): "not \(inner)"
        case .and(let rules): "(" + rules.map(\.description).joined(separator: " and ") + ")"
        case .or(let rules): "(" + rules.map(\.description).joined(separator: " or ") + ")"
        }
    }
}

// MARK: - Reference resolution

extension PolicyRule {
    /// The tree with every `rule:` reference bound to its slot in `slots`
    /// (-1 for names not defined there).
    func resolvingReferences(_ slots: [String: Int]) -> PolicyRule {
        switch self {
        case .reference(let name, _): .reference(name: name, index: slots[name] ?? -1)
        case .not(let inner): .not(inner.resolvingReferences(slots))
        case .and(let rules): .and(rules.map { $0.resolvingReferences(slots) })
        case .or(let rules): .or(rules.map { $0.resolvingReferences(slots) })
        case .pass, .fail, .role, .generic, .unsupported: self
        }
    }

    /// Slots of the defined rules this tree references directly.
    var referencedSlots: [Int] {
        switch self {
        case .reference(_, let index): index >= 0 ? [index] : []
        case .not(let inner): inner.referencedSlots
        case .and(let rules), .or(let rules): rules.flatMap(\.referencedSlots)
        case .pass, .fail, .role, .generic, .unsupported: []
        }
    }
}

// MARK: - Evaluation

/// Why an evaluation stopped short. Each is a case where oslo.policy's
/// enforcement raises instead of returning a result; Stratus denies the
/// request instead. Being an error rather than a `false` check result, it
/// cannot be inverted by an enclosing `not`.
enum PolicyEvaluationError: Error {
    /// A `rule:` reference re-entered a rule being evaluated (oslo recurses
    /// until Python's recursion limit).
    case cycle
    /// A `%` format Python rejects, or a check kind that is neither a
    /// Python literal nor a name (`ast.literal_eval` raises SyntaxError).
    case malformedCheck
    /// A check kind oslo.policy supports but Stratus does not (`http:`).
    case unsupportedCheck
    /// An `http:` check's URL names a key missing from the target: a
    /// `KeyError` in oslo, which the innermost enclosing `rule:` reference
    /// turns into `false` (or, with none, fails the enforcement).
    case missingTargetKey
    /// `roles` in the credentials is neither a list nor a string.
    case invalidRoles
}

/// One evaluation of a rule tree against a request's credentials and target.
struct PolicyEvaluation {
    let rules: [PolicyRule]
    let credentials: PolicyAttributes
    let target: PolicyAttributes
    /// Slots of the rules being evaluated, outermost first — tracked only
    /// when the rule being enforced can reach a reference cycle (nil
    /// otherwise, so the common case does no bookkeeping).
    var activeSlots: [Int]?

    mutating func evaluate(_ rule: PolicyRule) throws(PolicyEvaluationError) -> Bool {
        switch rule {
        case .pass:
            return true
        case .fail:
            return false
        case .unsupported(_, let match):
            // oslo substitutes the URL before calling out and, unlike other
            // checks, lets the KeyError of a missing key escape.
            guard try match.render(target) != nil else { throw .missingTargetKey }
            throw .unsupportedCheck
        case .not(let inner):
            return try !evaluate(inner)
        case .and(let rules):
            for rule in rules {
                if try !evaluate(rule) { return false }
            }
            return true
        case .or(let rules):
            for rule in rules {
                if try evaluate(rule) { return true }
            }
            return false
        case .reference(_, let index):
            guard index >= 0 else { return false }  // undefined rule: fail closed
            do throws(PolicyEvaluationError) {
                guard activeSlots != nil else { return try evaluate(rules[index]) }
                if activeSlots!.contains(index) { throw .cycle }
                activeSlots!.append(index)
                defer { activeSlots!.removeLast() }
                return try evaluate(rules[index])
            } catch .missingTargetKey {
                // oslo's rule check catches any KeyError from the rule it
                // evaluates and fails that reference only.
                return false
            }
        case .role(let check):
            return try evaluateRole(check)
        case .generic(let check):
            return try evaluateGeneric(check)
        }
    }

    private func evaluateRole(_ check: PolicyRule.RoleCheck) throws(PolicyEvaluationError) -> Bool {
        // Substitution comes first: a missing target key fails the check.
        let wanted: String
        if let lowered = check.loweredLiteral {
            wanted = lowered
        } else {
            guard let rendered = try check.name.render(target) else { return false }
            wanted = rendered.lowercased()
        }
        switch credentials["roles"] {
        case nil:
            return false
        case .list(let roles)?:
            return roles.contains { PolicyValue.lowercasedEquals($0, lowered: wanted) }
        case .string?:
            // oslo iterates the string's characters; no real role name is
            // one character, so deny rather than mimic that.
            return false
        case .some(.bool), .some(PolicyValue.none):
            throw .invalidRoles  // oslo: TypeError
        }
    }

    private func evaluateGeneric(_ check: PolicyRule.GenericCheck) throws(PolicyEvaluationError) -> Bool {
        guard let match = try check.match.render(target) else { return false }
        switch check.subject {
        case .literal(let text):
            return PolicyValue.pythonEquals(text, match)
        case .malformed:
            throw .malformedCheck
        case .credential(let key):
            guard let value = credential(key) else { return false }
            return value.credentialMatches(match)
        }
    }

    /// A credential by key. Like oslo.policy's enforce, `system` reads
    /// `system_scope` whenever that is set (truthy).
    private func credential(_ key: String) -> PolicyValue? {
        if key == "system", let scope = credentials["system_scope"], scope.isTruthy {
            return scope
        }
        return credentials[key]
    }
}
