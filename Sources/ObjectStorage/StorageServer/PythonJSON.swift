/// JSON written byte for byte as Swift writes listings (`json.dumps(listing).encode('ascii')`):
/// `", "` between items, `": "` after keys, keys in the order given, every character outside
/// printable ASCII escaped as `\uXXXX` (lowercase hex, surrogate pairs above U+FFFF).
enum PythonJSON {
    enum Value {
        case string(String)
        case int(Int64)
    }

    /// `{"key": value, ...}` with the fields in the order given.
    static func appendObject(_ fields: [(String, Value)], to output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { output.append(contentsOf: [44, 32]) }  // ", "
            appendString(key, to: &output)
            output.append(contentsOf: [58, 32])  // ": "
            switch value {
            case .string(let text): appendString(text, to: &output)
            case .int(let number): output.append(contentsOf: String(number).utf8)
            }
        }
        output.append(UInt8(ascii: "}"))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func appendString(_ text: String, to output: inout [UInt8]) {
        output.append(34)
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f && $0 != 34 && $0 != 92 }) {
            output.append(contentsOf: text.utf8)
        } else {
            for scalar in text.unicodeScalars {
                let value = scalar.value
                switch value {
                case 34: output.append(contentsOf: [92, 34])
                case 92: output.append(contentsOf: [92, 92])
                case 10: output.append(contentsOf: [92, UInt8(ascii: "n")])
                case 13: output.append(contentsOf: [92, UInt8(ascii: "r")])
                case 9: output.append(contentsOf: [92, UInt8(ascii: "t")])
                case 8: output.append(contentsOf: [92, UInt8(ascii: "b")])
                case 12: output.append(contentsOf: [92, UInt8(ascii: "f")])
                case 0x20..<0x7f: output.append(UInt8(value))
                case 0x10000...:
                    let offset = value - 0x10000
                    appendEscape(0xD800 + (offset >> 10), to: &output)
                    appendEscape(0xDC00 + (offset & 0x3FF), to: &output)
                default: appendEscape(value, to: &output)
                }
            }
        }
        output.append(34)
    }

    private static func appendEscape(_ unit: UInt32, to output: inout [UInt8]) {
        output.append(contentsOf: [92, UInt8(ascii: "u")])
        for shift in stride(from: 12, through: 0, by: -4) {
            output.append(hexDigits[Int((unit >> UInt32(shift)) & 0xF)])
        }
    }
}
