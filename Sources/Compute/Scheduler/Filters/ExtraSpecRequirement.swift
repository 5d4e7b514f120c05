/// One extra-spec value as a requirement, in Nova's operator language:
/// `= N` (at least N), `== N`, `!= N`, `>= N`, `<= N` (numbers), `s== x`, `s!= x`, `s< x`,
/// `s<= x`, `s> x`, `s>= x` (text), `<in> x` (contains x), `<all-in> x y` (contains each),
/// `<or> a <or> b` (any of), and anything else matched as exact text. Parsed once per
/// request; matching allocates nothing.
struct ExtraSpecRequirement: Sendable, Equatable {
    enum Operation: Sendable, Equatable {
        case exact(String)
        case atLeast(Double)
        case numberEqual(Double)
        case numberNotEqual(Double)
        case numberAtLeast(Double)
        case numberAtMost(Double)
        case textEqual(String)
        case textNotEqual(String)
        case textBelow(String)
        case textAtMost(String)
        case textAbove(String)
        case textAtLeast(String)
        case contains(String)
        case containsAll([String])
        case anyOf([String])
        /// An operator with no operand, or a number operator with no number: matches nothing.
        case never
    }

    let text: String
    let operation: Operation

    init(_ text: String) {
        self.text = text
        var words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard !words.isEmpty else {
            operation = .exact(text)
            return
        }
        let op = words.removeFirst()
        let first = words.first
        func number(_ make: (Double) -> Operation) -> Operation {
            guard let first, let value = Double(first) else { return .never }
            return make(value)
        }
        func word(_ make: (String) -> Operation) -> Operation {
            guard let first else { return .never }
            return make(first)
        }
        switch op {
        case "=": operation = number(Operation.atLeast)
        case "==": operation = number(Operation.numberEqual)
        case "!=": operation = number(Operation.numberNotEqual)
        case ">=": operation = number(Operation.numberAtLeast)
        case "<=": operation = number(Operation.numberAtMost)
        case "s==": operation = word(Operation.textEqual)
        case "s!=": operation = word(Operation.textNotEqual)
        case "s<": operation = word(Operation.textBelow)
        case "s<=": operation = word(Operation.textAtMost)
        case "s>": operation = word(Operation.textAbove)
        case "s>=": operation = word(Operation.textAtLeast)
        case "<in>": operation = word(Operation.contains)
        case "<all-in>": operation = words.isEmpty ? .never : .containsAll(words)
        case "<or>":
            // "<or> a <or> b <or> c": the alternatives stand at every other word.
            let alternatives = words.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
            operation = alternatives.isEmpty ? .never : .anyOf(alternatives)
        default: operation = .exact(text)
        }
    }

    /// Whether a host's value (nil when it has none) meets the requirement.
    func matches(_ value: String?) -> Bool {
        guard let value else { return false }
        switch operation {
        case .exact(let wanted): return value == wanted
        case .atLeast(let wanted), .numberAtLeast(let wanted): return Double(value).map { $0 >= wanted } ?? false
        case .numberEqual(let wanted): return Double(value).map { $0 == wanted } ?? false
        case .numberNotEqual(let wanted): return Double(value).map { $0 != wanted } ?? false
        case .numberAtMost(let wanted): return Double(value).map { $0 <= wanted } ?? false
        case .textEqual(let wanted): return value == wanted
        case .textNotEqual(let wanted): return value != wanted
        case .textBelow(let wanted): return Self.precedes(value, wanted)
        case .textAtMost(let wanted): return !Self.precedes(wanted, value)
        case .textAbove(let wanted): return Self.precedes(wanted, value)
        case .textAtLeast(let wanted): return !Self.precedes(value, wanted)
        case .contains(let part): return Self.contains(value, part)
        case .containsAll(let parts): return parts.allSatisfy { Self.contains(value, $0) }
        case .anyOf(let alternatives): return alternatives.contains(value)
        case .never: return false
        }
    }

    /// Whether `part` occurs in `value`, compared as UTF-8 bytes (the same answer as by
    /// characters for text that is valid UTF-8, without Foundation's slower search).
    private static func contains(_ value: String, _ part: String) -> Bool {
        var value = value
        var part = part
        return value.withUTF8 { haystack in
            part.withUTF8 { needle in
                guard needle.count <= haystack.count else { return false }
                guard let first = needle.first else { return true }
                var start = 0
                while start + needle.count <= haystack.count {
                    if haystack[start] == first {
                        var offset = 1
                        while offset < needle.count, haystack[start + offset] == needle[offset] { offset += 1 }
                        if offset == needle.count { return true }
                    }
                    start += 1
                }
                return false
            }
        }
    }

    /// Text order by Unicode scalar values, as Nova compares strings.
    private static func precedes(_ left: String, _ right: String) -> Bool {
        left.unicodeScalars.lexicographicallyPrecedes(right.unicodeScalars)
    }
}
