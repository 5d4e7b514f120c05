import Foundation
import StratusKit

/// Python's renderings of values where Swift puts them in messages and headers.
enum PythonText {
    /// `json.dumps(text)`: the string quoted, non-ASCII escaped.
    static func jsonString(_ text: String) -> String {
        var output: [UInt8] = []
        PythonJSON.appendString(text, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// `json.dumps(value, ensure_ascii=True, separators=(',', ':'), sort_keys=True)`.
    static func appendCompactJSON(_ value: JSONValue, to output: inout [UInt8]) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .int(let number): output.append(contentsOf: String(number).utf8)
        case .double(let number): output.append(contentsOf: "\(number)".utf8)
        case .string(let text): PythonJSON.appendString(text, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                appendCompactJSON(element, to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            // Python sorts keys by code point.
            for (index, key) in object.keys.sorted(by: { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }).enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                PythonJSON.appendString(key, to: &output)
                output.append(UInt8(ascii: ":"))
                appendCompactJSON(object[key]!, to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }
}
