/// XML written as Swift writes listings (Python's ElementTree): `<?xml version="1.0" encoding="UTF-8"?>`
/// and a newline, UTF-8 text, `& < >` escaped in text, and also `"`, CR, LF and TAB in attribute
/// values; an element with no text and no children is written `<name />`.
enum XMLText {
    static let declaration = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n".utf8)

    static func appendText(_ text: String, to output: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case 38: output.append(contentsOf: "&amp;".utf8)
            case 60: output.append(contentsOf: "&lt;".utf8)
            case 62: output.append(contentsOf: "&gt;".utf8)
            default: output.append(byte)
            }
        }
    }

    static func appendAttribute(_ text: String, to output: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case 38: output.append(contentsOf: "&amp;".utf8)
            case 60: output.append(contentsOf: "&lt;".utf8)
            case 62: output.append(contentsOf: "&gt;".utf8)
            case 34: output.append(contentsOf: "&quot;".utf8)
            case 13: output.append(contentsOf: "&#13;".utf8)
            case 10: output.append(contentsOf: "&#10;".utf8)
            case 9: output.append(contentsOf: "&#09;".utf8)
            default: output.append(byte)
            }
        }
    }

    /// `<tag>text</tag>`, or `<tag />` when the text is empty.
    static func appendElement(_ tag: String, _ text: String, to output: inout [UInt8]) {
        if text.isEmpty {
            output.append(contentsOf: "<\(tag) />".utf8)
            return
        }
        output.append(contentsOf: "<\(tag)>".utf8)
        appendText(text, to: &output)
        output.append(contentsOf: "</\(tag)>".utf8)
    }
}
