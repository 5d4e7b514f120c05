import StratusKit

/// A time as Object Storage writes it in `X-Timestamp` and in its databases: seconds since the
/// epoch rounded to 10 microseconds ("1402464677.04188", always 16 characters with five
/// decimals), optionally followed by an offset in 16 hex digits ("1402464677.04188_000000000000000a")
/// that orders writes made at the same time by internal services.
///
/// The text forms sort as the times do (the fixed width makes string order and time order one),
/// which is why the databases keep timestamps as text and compare them in SQL.
public struct SwiftTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Ten-microsecond units since the epoch.
    public var raw: Int64
    /// The internal offset (0 for every client write).
    public var offset: UInt64

    /// Times at or beyond this are refused (Swift's bound: ten digits of seconds).
    static let rawLimit: Int64 = 10_000_000_000 * 100_000

    public init(raw: Int64, offset: UInt64 = 0) {
        self.raw = raw
        self.offset = offset
    }

    /// A time in seconds, rounded to the nearest ten microseconds (ties to even, as Swift rounds).
    public init(seconds: Double, offset: UInt64 = 0) {
        self.raw = Int64((seconds / 1e-5).rounded(.toNearestOrEven))
        self.offset = offset
    }

    public static let zero = SwiftTimestamp(raw: 0)

    public static func now() -> SwiftTimestamp {
        SwiftTimestamp(raw: Timestamp.now().microseconds / 10)
    }

    /// Parses `1402464677.04188`, `1402464677`, `1402464677.041876` (rounded) or the internal form
    /// with `_` and up to 16 hex digits. Nil for anything else, for negative times and for times
    /// of 10^10 seconds or more.
    public init?(_ text: String) {
        var number = Substring(text)
        var offset: UInt64 = 0
        if let underscore = text.firstIndex(of: "_") {
            number = text[..<underscore]
            let hex = text[text.index(after: underscore)...]
            guard !hex.isEmpty, hex.count <= 16, hex.allSatisfy(\.isHexDigit), let value = UInt64(hex, radix: 16)
            else { return nil }
            offset = value
        }
        let trimmed = number.trimmingPrefix(while: { $0 == " " })
        guard !trimmed.isEmpty, trimmed.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "+" || $0 == "-") }),
            let seconds = Double(trimmed), seconds.isFinite
        else { return nil }
        let raw = Int64(exactly: (seconds / 1e-5).rounded(.toNearestOrEven)) ?? -1
        guard raw >= 0, raw < Self.rawLimit else { return nil }
        self.raw = raw
        self.offset = offset
    }

    public static func < (lhs: SwiftTimestamp, rhs: SwiftTimestamp) -> Bool {
        (lhs.raw, lhs.offset) < (rhs.raw, rhs.offset)
    }

    /// `1402464677.04188`: the form clients see (no offset).
    public var normal: String {
        let (seconds, fraction) = raw.quotientAndRemainder(dividingBy: 100_000)
        let whole = String(seconds)
        let digits = String(fraction)
        return String(repeating: "0", count: max(0, 10 - whole.count)) + whole + "."
            + String(repeating: "0", count: 5 - digits.count) + digits
    }

    /// The normal form, followed by `_` and the offset in 16 hex digits when the offset is not 0.
    public var `internal`: String {
        guard offset != 0 else { return normal }
        let hex = String(offset, radix: 16)
        return normal + "_" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    public var description: String { `internal` }

    /// `2014-01-17T15:59:33.359640`: what listings show as `last_modified` (UTC, microseconds, no zone).
    public var isoformat: String { Timestamp(microseconds: raw * 10).iso8601NoZone }

    /// The time rounded up to whole seconds (what `Last-Modified` shows).
    public var ceilingSeconds: Int64 {
        let (seconds, fraction) = raw.quotientAndRemainder(dividingBy: 100_000)
        return fraction > 0 ? seconds + 1 : seconds
    }

    /// `Sun, 06 Nov 1994 08:49:37 GMT` for the time rounded up to whole seconds.
    public var httpDate: String {
        let seconds = ceilingSeconds
        let text = Array(Timestamp(microseconds: seconds * 1_000_000).iso8601Seconds)  // 1994-11-06T08:49:37Z
        let year = String(text[0..<4]), month = Int(String(text[5..<7])) ?? 1, day = String(text[8..<10])
        let time = String(text[11..<19])
        let weekday = Int(((seconds / 86_400) % 7 + 11) % 7)  // 1970-01-01 was a Thursday
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(weekdays[weekday]), \(day) \(months[month - 1]) \(year) \(time) GMT"
    }
}
