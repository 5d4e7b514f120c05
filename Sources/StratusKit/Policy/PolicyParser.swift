/// Parses oslo.policy's policy language into a ``PolicyRule`` tree.
///
/// Tokenizing follows oslo.policy exactly: the rule is split on whitespace
/// only; each piece sheds leading `(` and trailing `)` as separate tokens;
/// what remains is `and`, `or` or `not` (any case) or else one check, which
/// is split at its first `:` into kind and match. Parentheses are therefore
/// only recognised at the edges of a whitespace-separated piece:
/// `(role:a)or(role:b)` is a single `role:` check, as in oslo.policy.
///
/// Precedence is oslo.policy's: `not` binds tightest, then `and`, then `or`.
/// Text oslo.policy cannot parse (and replaces with `!`) is a
/// ``PolicyParseError`` here, as is a check with no `:` or an empty kind.
enum PolicyParser {
    /// Deepest nesting of parentheses and `not` accepted — far beyond any
    /// real policy, and keeps parsing and evaluation off the stack limit.
    static let maximumNesting = 100

    static func parse(_ text: String, ruleName: String) throws(PolicyParseError) -> PolicyRule {
        // oslo.policy: an empty rule always passes.
        if text.isEmpty { return .pass }
        let scalars = Array(text.unicodeScalars)
        var parser = Parser(tokens: tokenize(scalars), end: scalars.count)
        do throws(Failure) {
            let rule = try parser.parseExpression()
            if let token = parser.peek {
                if case .invalid(let message) = token.kind { throw Failure(position: token.position, message: message) }
                throw Failure(position: token.position, message: "unexpected \(token.kind.spelling); expected 'and' or 'or'")
            }
            return rule
        } catch {
            throw PolicyParseError(ruleName: ruleName, ruleText: text, position: error.position, message: error.message)
        }
    }

    // MARK: Tokens

    struct Token {
        enum Kind {
            case leftParen, rightParen, and, or, not
            case check(PolicyRule)
            /// A piece that cannot be a check; reported if the parser reaches it.
            case invalid(String)

            var spelling: String {
                switch self {
                case .leftParen: "'('"
                case .rightParen: "')'"
                case .and: "'and'"
                case .or: "'or'"
                case .not: "'not'"
                case .check(let rule): "check '\(rule)'"
                case .invalid: "text"  // reported with its own message instead
                }
            }
        }

        let kind: Kind
        let position: Int
    }

    /// Python's `str.isspace()`, which is what oslo's `\s+` split uses.
    static func isPythonSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
    }

    static func tokenize(_ scalars: [Unicode.Scalar]) -> [Token] {
        var tokens: [Token] = []
        var index = 0
        while index < scalars.count {
            if isPythonSpace(scalars[index]) { index += 1; continue }
            let start = index
            while index < scalars.count && !isPythonSpace(scalars[index]) { index += 1 }
            let end = index

            var head = start
            while head < end && scalars[head] == "(" {
                tokens.append(Token(kind: .leftParen, position: head))
                head += 1
            }
            if head == end { continue }
            var tail = end
            while tail > head && scalars[tail - 1] == ")" { tail -= 1 }

            if tail > head {
                let clean = String(String.UnicodeScalarView(scalars[head..<tail]))
                let kind: Token.Kind
                switch clean.count <= 3 ? clean.lowercased() : "" {
                case "and": kind = .and
                case "or": kind = .or
                case "not": kind = .not
                default:
                    // oslo tests the piece *before* shedding trailing ')' for quotes.
                    if end - head >= 2, scalars[head] == "'" || scalars[head] == "\"", scalars[end - 1] == scalars[head] {
                        kind = .invalid("a quoted string is not a check")
                    } else {
                        kind = parseCheck(clean)
                    }
                }
                tokens.append(Token(kind: kind, position: head))
            }
            for position in tail..<end {
                tokens.append(Token(kind: .rightParen, position: position))
            }
        }
        return tokens
    }

    /// One check: `@`, `!` or `kind:match`.
    static func parseCheck(_ text: String) -> Token.Kind {
        if text == "@" { return .check(.pass) }
        if text == "!" { return .check(.fail) }
        guard let colon = text.unicodeScalars.firstIndex(of: ":") else {
            return .invalid("expected a check 'kind:match', '@' or '!'; found '\(text)'")
        }
        let kind = String(text.unicodeScalars[..<colon])
        let match = String(text.unicodeScalars[text.unicodeScalars.index(after: colon)...])
        if kind.isEmpty { return .invalid("check '\(text)' has no kind before ':'") }
        switch kind {
        case "rule":
            return .check(.reference(name: match, index: -1))
        case "role":
            return .check(.role(.init(name: PolicyTemplate(parsing: match))))
        case "http", "https":
            return .check(.unsupported(kind: kind, match: PolicyTemplate(parsing: match)))
        default:
            return .check(.generic(.init(kind: kind, subject: PythonLiteral.subject(for: kind), match: PolicyTemplate(parsing: match))))
        }
    }

    // MARK: Grammar

    struct Failure: Error {
        let position: Int
        let message: String
    }

    /// expression := conjunction ('or' conjunction)*
    /// conjunction := unary ('and' unary)*
    /// unary := 'not' unary | '(' expression ')' | check
    struct Parser {
        let tokens: [Token]
        let end: Int
        var index = 0
        var nesting = 0

        init(tokens: [Token], end: Int) {
            self.tokens = tokens
            self.end = end
        }

        var peek: Token? { index < tokens.count ? tokens[index] : nil }

        mutating func parseExpression() throws(Failure) -> PolicyRule {
            var rules = [try parseConjunction()]
            while case .or? = peek?.kind {
                index += 1
                rules.append(try parseConjunction())
            }
            return rules.count == 1 ? rules[0] : .or(rules)
        }

        mutating func parseConjunction() throws(Failure) -> PolicyRule {
            var rules = [try parseUnary()]
            while case .and? = peek?.kind {
                index += 1
                rules.append(try parseUnary())
            }
            return rules.count == 1 ? rules[0] : .and(rules)
        }

        mutating func parseUnary() throws(Failure) -> PolicyRule {
            guard let token = peek else {
                throw Failure(position: end, message: "unexpected end of rule; expected a check")
            }
            switch token.kind {
            case .check(let rule):
                index += 1
                return rule
            case .not:
                index += 1
                try enter(token)
                defer { nesting -= 1 }
                return .not(try parseUnary())
            case .leftParen:
                index += 1
                try enter(token)
                defer { nesting -= 1 }
                let inner = try parseExpression()
                guard case .rightParen? = peek?.kind else {
                    let position = peek?.position ?? end
                    throw Failure(position: position, message: "expected ')' to close '(' at \(token.position)")
                }
                index += 1
                return inner
            case .invalid(let message):
                throw Failure(position: token.position, message: message)
            case .rightParen, .and, .or:
                throw Failure(position: token.position, message: "unexpected \(token.kind.spelling); expected a check")
            }
        }

        private mutating func enter(_ token: Token) throws(Failure) {
            nesting += 1
            if nesting > PolicyParser.maximumNesting {
                throw Failure(position: token.position, message: "rule nested more than \(PolicyParser.maximumNesting) deep")
            }
        }
    }
}

/// The left side of a generic check as oslo.policy reads it:
/// `ast.literal_eval(kind)` and, if that is a literal, compare with its
/// `str()`; if it is a name or dotted path, look it up in the credentials.
enum PythonLiteral {
    static func subject(for kind: String) -> PolicyRule.GenericCheck.Subject {
        switch kind {
        case "True", "False", "None": return .literal(kind)
        default: break
        }
        let scalars = Array(kind.unicodeScalars)
        if scalars[0] == "'" || scalars[0] == "\"" {
            return stringLiteral(scalars[...]).map { .literal($0) } ?? .malformed
        }
        if scalars.count >= 2, scalars[1] == "'" || scalars[1] == "\"" {
            switch scalars[0] {
            case "u", "U": return stringLiteral(scalars.dropFirst()).map { .literal($0) } ?? .malformed
            case "r", "R": return stringLiteral(scalars.dropFirst(), raw: true).map { .literal($0) } ?? .malformed
            default: return .malformed  // bytes and f-strings: not supported, deny
            }
        }
        if looksNumeric(scalars) {
            return number(scalars).map { .literal($0) } ?? .malformed
        }
        // A name or dotted path: literal_eval raises ValueError, and oslo
        // looks it up in the credentials.
        if isDottedName(scalars) { return .credential(kind) }
        // Anything else either is not Python (`))x`, `not`, `a..b`: a
        // SyntaxError, which fails oslo's enforcement) or is an expression
        // (`project-id`) that no credential key matches; deny either way.
        return .malformed
    }

    /// Python's hard keywords: not usable as names.
    private static let keywords: Set<String> = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
        "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
        "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
        "return", "try", "while", "with", "yield",
    ]

    /// A Python name or attribute path: `is_admin`, `token.is_admin_project`,
    /// `True.x` — but not `not`, `x.if`, `x.True`, `a..b`, `a.` or `a.1`.
    private static func isDottedName(_ scalars: [Unicode.Scalar]) -> Bool {
        let segments = scalars.split(separator: ".", omittingEmptySubsequences: false)
        for (offset, segment) in segments.enumerated() {
            guard let first = segment.first, first == "_" || first.properties.isXIDStart,
                  segment.allSatisfy({ $0 == "_" || $0.properties.isXIDContinue }) else { return false }
            let name = String(String.UnicodeScalarView(segment))
            // `True.x` parses (an attribute of a constant); `x.True` does not.
            if keywords.contains(name) && (offset > 0 || !["True", "False", "None"].contains(name)) { return false }
        }
        return true
    }

    /// Starts like a Python number (optionally signed): Python would either
    /// evaluate it or reject it as a syntax error.
    private static func looksNumeric(_ scalars: [Unicode.Scalar]) -> Bool {
        var rest = scalars[...]
        if let first = rest.first, first == "+" || first == "-" { rest = rest.dropFirst() }
        guard let first = rest.first else { return false }
        if first.properties.numericType == .decimal && first.isASCII { return true }
        return first == "." && rest.dropFirst().first.map { ("0"..."9").contains($0) } == true
    }

    // MARK: Strings

    /// One or more adjacent quoted Python `str` literals, concatenated.
    static func stringLiteral(_ scalars: ArraySlice<Unicode.Scalar>, raw: Bool = false) -> String? {
        var out = String.UnicodeScalarView()
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let quote = scalars[index]
            guard quote == "'" || quote == "\"" else { return nil }
            index += 1
            var closed = false
            while index < scalars.endIndex {
                let scalar = scalars[index]
                index += 1
                if scalar == quote { closed = true; break }
                guard scalar == "\\" else { out.append(scalar); continue }
                guard index < scalars.endIndex else { return nil }
                if raw {
                    // A raw string keeps the backslash; it still escapes the quote.
                    out.append(scalar)
                    out.append(scalars[index])
                    index += 1
                    continue
                }
                let escaped = scalars[index]
                index += 1
                switch escaped {
                case "\\", "'", "\"": out.append(escaped)
                case "a": out.append("\u{07}")
                case "b": out.append("\u{08}")
                case "f": out.append("\u{0C}")
                case "n": out.append("\n")
                case "r": out.append("\r")
                case "t": out.append("\t")
                case "v": out.append("\u{0B}")
                case "0"..."7":
                    var value = escaped.value - 0x30
                    var count = 1
                    while count < 3, index < scalars.endIndex, ("0"..."7").contains(scalars[index]) {
                        value = value * 8 + scalars[index].value - 0x30
                        index += 1
                        count += 1
                    }
                    guard let scalar = Unicode.Scalar(value) else { return nil }
                    out.append(scalar)
                case "x", "u", "U":
                    let width = escaped == "x" ? 2 : (escaped == "u" ? 4 : 8)
                    guard index + width <= scalars.endIndex else { return nil }
                    let digits = String(String.UnicodeScalarView(scalars[index..<(index + width)]))
                    guard digits.unicodeScalars.allSatisfy(\.properties.isASCIIHexDigit),
                          let value = UInt32(digits, radix: 16), let scalar = Unicode.Scalar(value) else { return nil }
                    out.append(scalar)
                    index += width
                case "N":
                    return nil  // \N{NAME}: no Unicode name table here; fail closed
                default:
                    out.append("\\")  // Python keeps unknown escapes verbatim
                    out.append(escaped)
                }
            }
            guard closed else { return nil }
        }
        return String(out)
    }

    // MARK: Numbers

    /// `str()` of a Python int or float literal, or nil if it is not one.
    static func number(_ scalars: [Unicode.Scalar]) -> String? {
        var text = String(String.UnicodeScalarView(scalars))
        var negative = false
        if text.hasPrefix("+") || text.hasPrefix("-") {
            negative = text.hasPrefix("-")
            text.removeFirst()
        }
        if let integer = integerDigits(text) {
            return negative && integer != "0" ? "-" + integer : integer
        }
        guard let double = floatValue(text) else { return nil }
        return pythonFloatRepr(negative ? -double : double)
    }

    /// Digits with single underscores between them, as Python allows.
    private static func stripUnderscores(_ text: Substring, allowLeading: Bool = false) -> String? {
        guard !text.isEmpty, text.last != "_", !text.contains("__") else { return nil }
        if text.first == "_" && !allowLeading { return nil }
        return String(text.filter { $0 != "_" })
    }

    /// Decimal digits of an int literal (decimal, 0x, 0o or 0b).
    private static func integerDigits(_ text: String) -> String? {
        let lower = text.lowercased()
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where lower.hasPrefix(prefix) {
            guard let digits = stripUnderscores(lower.dropFirst(2), allowLeading: true),
                  let value = UInt64(digits, radix: radix) else { return nil }
            return String(value)
        }
        guard let digits = stripUnderscores(Substring(text)), digits.allSatisfy({ $0 >= "0" && $0 <= "9" }) else { return nil }
        let significant = digits.drop { $0 == "0" }
        if significant.isEmpty { return "0" }
        return significant.count == digits.count ? digits : nil  // "007" is a syntax error
    }

    /// A Python float literal: `1.5`, `.5`, `5.`, `1e3`, `1_0.5e-2`.
    private static func floatValue(_ text: String) -> Double? {
        let lower = text.lowercased()
        let parts = lower.split(separator: "e", maxSplits: 1, omittingEmptySubsequences: false)
        let mantissa = parts[0]
        var digits = ""
        let pieces = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        for (offset, piece) in pieces.enumerated() where !piece.isEmpty {
            guard let clean = stripUnderscores(piece), clean.allSatisfy({ $0 >= "0" && $0 <= "9" }) else { return nil }
            digits += offset == 0 ? clean : "." + clean
        }
        if pieces.count == 2 && pieces[1].isEmpty { digits += "." }
        guard digits.contains(where: { $0 >= "0" && $0 <= "9" }) else { return nil }
        if pieces.count == 1 && parts.count == 1 { return nil }  // plain integer: handled elsewhere
        var literal = digits.hasPrefix(".") ? "0" + digits : digits
        if literal.hasSuffix(".") { literal += "0" }
        if parts.count == 2 {
            var exponent = parts[1]
            var sign = ""
            if let first = exponent.first, first == "+" || first == "-" {
                sign = String(first)
                exponent = exponent.dropFirst()
            }
            guard let clean = stripUnderscores(exponent), clean.allSatisfy({ $0 >= "0" && $0 <= "9" }) else { return nil }
            literal += "e" + sign + clean
        }
        return Double(literal)
    }

    /// Python's `repr(float)`: the shortest round-tripping digits, in
    /// positional form unless the exponent is below -4 or above 15.
    static func pythonFloatRepr(_ value: Double) -> String {
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value.isNaN { return "nan" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description also yields the shortest round-tripping
        // digits; only its choice of notation differs from Python's.
        var text = value.magnitude.description
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...]) ?? 0
            text = String(text[..<e])
        }
        let point = text.firstIndex(of: ".")
        let integerPart = point.map { String(text[..<$0]) } ?? text
        let fraction = point.map { String(text[text.index(after: $0)...]) } ?? ""
        var digits = integerPart + fraction
        // Decimal point position: value = 0.d1d2d3... x 10^decimalPoint
        var decimalPoint = integerPart.count + exponent
        let leadingZeros = digits.prefix { $0 == "0" }.count
        digits.removeFirst(leadingZeros)
        decimalPoint -= leadingZeros
        while digits.count > 1 && digits.hasSuffix("0") { digits.removeLast() }

        let sign = value < 0 ? "-" : ""
        if decimalPoint <= -4 || decimalPoint > 16 {
            let first = String(digits.prefix(1))
            let rest = String(digits.dropFirst())
            let exp = decimalPoint - 1
            let expDigits = String(abs(exp))
            return sign + first + (rest.isEmpty ? "" : "." + rest) + "e" + (exp < 0 ? "-" : "+")
                + (expDigits.count < 2 ? "0" : "") + expDigits
        }
        if decimalPoint <= 0 {
            return sign + "0." + String(repeating: "0", count: -decimalPoint) + digits
        }
        if decimalPoint >= digits.count {
            return sign + digits + String(repeating: "0", count: decimalPoint - digits.count) + ".0"
        }
        let index = digits.index(digits.startIndex, offsetBy: decimalPoint)
        return sign + digits[..<index] + "." + digits[index...]
    }
}
