/// Python's `repr()` of a string, where OpenStack's messages show values the way the Python
/// services print them (policy check strings, Object Storage's error messages).
public enum PythonRepr {
    /// `repr(text)` of a Python `str`: single quotes unless the text has a single quote and no
    /// double quote; backslashes, the quote and what Python does not print escaped.
    public static func string(_ text: String) -> String {
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
