/// The right-hand side of a `role:` or generic check, split at parse time
/// into literal text and substitutions from the target, so that evaluation
/// only concatenates. It reproduces Python's `text % target` as oslo.policy
/// uses it:
///
/// - `%(key)s` — `str()` of the target value; a key missing from the target
///   fails the check (oslo catches the `KeyError`).
/// - `%%` — a literal `%`.
/// - `%(key)r` — `repr()`; `%(key)d`/`i`/`u` — a bool as `1`/`0`; with
///   Python's flags, width and precision.
/// - A first positional `%s`/`%r` — Python formats the whole target mapping
///   there, text no credential equals, so the check fails.
///
/// Anything else (a lone `%`, an unterminated `%(`, `*` widths, other
/// conversions, `%d` of a non-bool) is a `.malformed` segment: Python
/// raises where formatting reaches it, oslo.policy's enforcement raises
/// with it, and Stratus denies the whole request.
struct PolicyTemplate: Sendable, Hashable, CustomStringConvertible {
    enum Conversion: Sendable, Hashable {
        case str, repr, integer
    }

    /// Flags, width and precision between `%(key)` and the conversion.
    struct Spec: Sendable, Hashable {
        var leftAlign = false
        var zeroPad = false
        var plusSign = false
        var spaceSign = false
        var width = 0
        var precision: Int?
    }

    enum Segment: Sendable, Hashable {
        case literal(String)
        case key(String, Conversion, Spec)
        /// Positional `%s`/`%r`: the target mapping's own text.
        case wholeTarget
        /// Where Python's `%` formatting raises; nothing after it is used.
        case malformed
    }

    /// The template as written in the rule.
    let source: String
    let segments: [Segment]

    var description: String { source }

    /// The text when the template has no substitutions.
    var literalText: String? {
        switch segments.count {
        case 0: return ""
        case 1: if case .literal(let text) = segments[0] { return text } else { return nil }
        default: return nil
        }
    }

    init(parsing source: String) {
        self.source = source
        let bytes = Array(source.utf8)
        var segments: [Segment] = []
        var literal: [UInt8] = []
        var sawSpec = false
        var index = 0

        func flushLiteral() {
            if !literal.isEmpty {
                segments.append(.literal(String(decoding: literal, as: UTF8.self)))
                literal.removeAll()
            }
        }
        func conversion(_ byte: UInt8) -> Conversion? {
            switch byte {
            case UInt8(ascii: "s"): .str
            case UInt8(ascii: "r"): .repr
            case UInt8(ascii: "d"), UInt8(ascii: "i"), UInt8(ascii: "u"): .integer
            default: nil
            }
        }

        scan: while index < bytes.count {
            let byte = bytes[index]
            index += 1
            guard byte == UInt8(ascii: "%") else {
                literal.append(byte)
                continue
            }
            if index < bytes.count && bytes[index] == UInt8(ascii: "%") {
                literal.append(byte)
                index += 1
                continue
            }
            flushLiteral()
            defer { sawSpec = true }
            guard index < bytes.count, bytes[index] == UInt8(ascii: "(") else {
                // Positional: Python formats the mapping itself, once.
                if !sawSpec, index < bytes.count, let conversion = conversion(bytes[index]), conversion != .integer {
                    segments.append(.wholeTarget)
                    index += 1
                    continue
                }
                segments.append(.malformed)
                break scan
            }
            // The key runs to the matching ')', counting nested parentheses as Python does.
            let keyStart = index + 1
            var depth = 1
            index += 1
            while index < bytes.count && depth > 0 {
                if bytes[index] == UInt8(ascii: "(") { depth += 1 }
                if bytes[index] == UInt8(ascii: ")") { depth -= 1 }
                index += 1
            }
            guard depth == 0 else {
                segments.append(.malformed)  // incomplete format key
                break scan
            }
            let key = String(decoding: bytes[keyStart..<(index - 1)], as: UTF8.self)
            var spec = Spec()
            flags: while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "-"): spec.leftAlign = true
                case UInt8(ascii: "0"): spec.zeroPad = true
                case UInt8(ascii: "+"): spec.plusSign = true
                case UInt8(ascii: " "): spec.spaceSign = true
                case UInt8(ascii: "#"): break  // no effect on s, r or d
                default: break flags
                }
                index += 1
            }
            spec.width = Self.number(bytes, &index) ?? 0
            if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
                index += 1
                spec.precision = Self.number(bytes, &index) ?? 0
            }
            while index < bytes.count && [UInt8(ascii: "h"), UInt8(ascii: "l"), UInt8(ascii: "L")].contains(bytes[index]) {
                index += 1
            }
            guard index < bytes.count, let conversion = conversion(bytes[index]) else {
                // `*`, another conversion or the end. Python looks the key up
                // first, so a missing key still just fails the check.
                segments.append(.key(key, .str, Spec()))
                segments.append(.malformed)
                break scan
            }
            index += 1
            segments.append(.key(key, conversion, spec))
        }
        flushLiteral()
        self.segments = segments
    }

    /// Renders the template against the target, left to right as Python
    /// does: nil when the check fails (a key missing from the target, or the
    /// whole target formatted), a thrown error on reaching a malformed
    /// segment (the enforcement fails).
    func render(_ target: PolicyAttributes) throws(PolicyEvaluationError) -> String? {
        if segments.count == 1, case .key(let key, .str, Spec()) = segments[0] {
            return target[key]?.pythonString  // the common `%(target.x)s`, without copying
        }
        var out = ""
        var matchable = true
        for segment in segments {
            switch segment {
            case .literal(let text):
                out += text
            case .key(let key, let conversion, let spec):
                guard let value = target[key] else { return nil }
                out += try Self.format(value, conversion, spec)
            case .wholeTarget:
                matchable = false
            case .malformed:
                throw .malformedCheck
            }
        }
        return matchable ? out : nil
    }

    /// Python's `%` formatting of one value.
    private static func format(_ value: PolicyValue, _ conversion: Conversion, _ spec: Spec) throws(PolicyEvaluationError) -> String {
        var text: String
        var sign = ""
        switch (conversion, value) {
        case (.str, _):
            text = value.pythonString
        case (.repr, .string(let string)):
            text = PythonRepr.string(string)
        case (.repr, _):
            text = value.pythonString
        case (.integer, .bool(let flag)):
            text = flag ? "1" : "0"
            if let precision = spec.precision, precision > 1 {
                text = String(repeating: "0", count: precision - 1) + text
            }
            sign = spec.plusSign ? "+" : (spec.spaceSign ? " " : "")
        case (.integer, _):
            throw .malformedCheck  // Python: TypeError
        }
        if conversion != .integer, let precision = spec.precision, text.unicodeScalars.count > precision {
            text = String(String.UnicodeScalarView(text.unicodeScalars.prefix(precision)))
        }
        let padding = spec.width - sign.count - text.unicodeScalars.count
        guard padding > 0 else { return sign + text }
        if spec.leftAlign { return sign + text + String(repeating: " ", count: padding) }
        if spec.zeroPad && conversion == .integer { return sign + String(repeating: "0", count: padding) + text }
        return String(repeating: " ", count: padding) + sign + text
    }

    /// Decimal digits at `index`, advancing past them.
    private static func number(_ bytes: [UInt8], _ index: inout Int) -> Int? {
        var value: Int?
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            value = min((value ?? 0) * 10 + Int(bytes[index] - UInt8(ascii: "0")), 1 << 20)
            index += 1
        }
        return value
    }
}
