/// A value in the credentials or the target of a policy check.
///
/// Values are compared the way oslo.policy compares them: through their
/// Python `str()` form (see ``pythonString``), so `.bool(true)` matches the
/// text `True`, `.none` matches `None`, and a `.list` credential matches when
/// any one of its elements does.
public enum PolicyValue: Sendable, Hashable {
    case string(String)
    case bool(Bool)
    case list([String])
    case none
}

/// Attributes of a policy check — the caller's credentials or the target —
/// stored flat under dotted keys, e.g. `"target.user.domain_id"`, `"roles"`,
/// `"user_id"`, `"system_scope"`, `"token.is_admin_project"`.
public typealias PolicyAttributes = [String: PolicyValue]

extension PolicyValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: String...) { self = .list(elements) }
}

extension PolicyValue {
    /// The value as Python's `str()` renders it — what a `%(key)s`
    /// substitution produces and what a credential is compared by.
    public var pythonString: String {
        switch self {
        case .string(let text): text
        case .bool(let flag): flag ? "True" : "False"
        case .none: "None"
        case .list(let items): "[" + items.map(PythonRepr.string).joined(separator: ", ") + "]"
        }
    }

    /// Python truthiness (`bool(value)`).
    var isTruthy: Bool {
        switch self {
        case .string(let text): !text.isEmpty
        case .bool(let flag): flag
        case .list(let items): !items.isEmpty
        case .none: false
        }
    }

    /// oslo.policy's generic-check comparison of a credential with the
    /// substituted match text: `match == str(value)`, element by element for
    /// a list.
    func credentialMatches(_ match: String) -> Bool {
        switch self {
        case .string(let text): PolicyValue.pythonEquals(text, match)
        case .bool(let flag): PolicyValue.pythonEquals(flag ? "True" : "False", match)
        case .none: PolicyValue.pythonEquals("None", match)
        case .list(let items): items.contains { PolicyValue.pythonEquals($0, match) }
        }
    }

    /// Python string equality: code point by code point (Swift's `==` would
    /// also equate canonically equivalent but differently encoded strings).
    static func pythonEquals(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.count == rhs.utf8.count && lhs.utf8.elementsEqual(rhs.utf8)
    }

    /// `candidate.lower() == lowered` in Python terms, `lowered` being
    /// already lower-cased. ASCII candidates are folded without allocating.
    static func lowercasedEquals(_ candidate: String, lowered: String) -> Bool {
        if candidate.utf8.allSatisfy({ $0 < 0x80 }) {
            guard candidate.utf8.count == lowered.utf8.count else { return false }
            return zip(candidate.utf8, lowered.utf8).allSatisfy { pair in
                let byte = pair.0
                let folded = (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
                return folded == pair.1
            }
        }
        return pythonEquals(candidate.lowercased(), lowered)
    }
}

extension PolicyValue {
    /// A string, or `None` when absent.
    public static func optional(_ value: String?) -> PolicyValue { value.map(PolicyValue.string) ?? .none }
}
