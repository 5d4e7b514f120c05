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
        case .list(let items): "[" + items.map(PolicyValue.pythonRepr).joined(separator: ", ") + "]"
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

    /// Python's `repr()` of a `str`, as used when a list is rendered.
    static func pythonRepr(_ text: String) -> String {
        let quote: Unicode.Scalar = (text.contains("'") && !text.contains("\"")) ? "\"" : "'"
        var out = String(quote)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case quote: out += "\\" + String(quote)
            default:
                if isPythonPrintable(scalar) {
                    out.unicodeScalars.append(scalar)
                } else {
                    let hex = String(scalar.value, radix: 16)
                    let width = scalar.value <= 0xFF ? 2 : (scalar.value <= 0xFFFF ? 4 : 8)
                    let prefix = scalar.value <= 0xFF ? "\\x" : (scalar.value <= 0xFFFF ? "\\u" : "\\U")
                    out += prefix + String(repeating: "0", count: width - hex.count) + hex
                }
            }
        }
        out.unicodeScalars.append(quote)
        return out
    }

    /// Python's `str.isprintable()` for one code point.
    private static func isPythonPrintable(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned,
             .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }
}

extension PolicyValue {
    /// A string, or `None` when absent.
    public static func optional(_ value: String?) -> PolicyValue { value.map(PolicyValue.string) ?? .none }
}
