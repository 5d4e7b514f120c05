/// Writes compact JSON straight into bytes, member by member, for bodies on a hot path
/// (a token body is rendered on every issue) where building a `JSONValue` tree first
/// would cost a dictionary per object. Members come out in the order they are written.
///
///     var json = JSONWriter()
///     json.object { json in
///         json.member("id", "abc")
///         json.object("domain") { json in json.member("name", "Default") }
///     }
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// Whether the value about to be written is the first of its object or array.
    private var first = true

    public init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "{"))
        body(&self)
        close(UInt8(ascii: "}"))
    }

    public mutating func object(_ key: String, _ body: (inout JSONWriter) -> Void) {
        self.key(key)
        object(body)
    }

    public mutating func array(_ key: String, _ body: (inout JSONWriter) -> Void) {
        self.key(key)
        open(UInt8(ascii: "["))
        body(&self)
        close(UInt8(ascii: "]"))
    }

    /// An array of strings.
    public mutating func member(_ key: String, _ strings: [String]) {
        array(key) { json in
            for text in strings { json.value(text) }
        }
    }

    public mutating func member(_ key: String, _ text: String?) {
        self.key(key)
        if let text { JSONSerializer.writeString(text, into: &bytes) } else { bytes.append(contentsOf: "null".utf8) }
    }

    public mutating func member(_ key: String, _ flag: Bool) {
        self.key(key)
        bytes.append(contentsOf: (flag ? "true" : "false").utf8)
    }

    /// An already encoded JSON value, inserted as it is.
    public mutating func member(_ key: String, encoded: some Sequence<UInt8>) {
        self.key(key)
        bytes.append(contentsOf: encoded)
    }

    /// A string element of the array being written.
    public mutating func value(_ text: String) {
        separate()
        JSONSerializer.writeString(text, into: &bytes)
    }

    private mutating func key(_ key: String) {
        separate()
        JSONSerializer.writeString(key, into: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func separate() {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
    }

    private mutating func open(_ bracket: UInt8) {
        if bytes.last != UInt8(ascii: ":") { separate() }
        bytes.append(bracket)
        first = true
    }

    private mutating func close(_ bracket: UInt8) {
        bytes.append(bracket)
        first = false
    }
}
