/// The W3C trace context (https://www.w3.org/TR/trace-context/) a message carries, so a
/// request can be followed from the API through the bus into the agents. It travels as
/// the `traceparent` and `tracestate` strings (the project has no tracing library yet).
public struct TraceContext: Sendable, Hashable {
    /// `version-traceid-parentid-flags`, e.g. `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`.
    public var traceparent: String
    public var tracestate: String?

    /// Nil when `traceparent` is not a well-formed version-00 header (all-zero ids are invalid).
    public init?(traceparent: String, tracestate: String? = nil) {
        guard Self.isValid(traceparent: traceparent) else { return nil }
        self.traceparent = traceparent
        self.tracestate = tracestate
    }

    public var traceID: String { String(traceparent.split(separator: "-")[1]) }
    public var parentID: String { String(traceparent.split(separator: "-")[2]) }

    static func isValid(traceparent: String) -> Bool {
        let fields = traceparent.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 4, fields[0] == "00" else { return false }
        let lengths = [2, 32, 16, 2]
        for (field, length) in zip(fields, lengths) {
            guard field.utf8.count == length, field.utf8.allSatisfy(Self.isLowercaseHex) else { return false }
        }
        return fields[1].contains { $0 != "0" } && fields[2].contains { $0 != "0" }
    }

    private static func isLowercaseHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}
