import Foundation

/// A Swift timestamp: seconds since the Unix epoch in units of 10 µs, plus an offset that orders
/// writes made "at the same time" (used by internal services, never by clients).
///
/// - The *normal* form is the seconds with exactly five decimals, zero-padded to 16 characters:
///   `1700000000.12345`, `0000000001.50000`.
/// - The *internal* form adds `_` and the offset as 16 hex digits when the offset is not zero:
///   `1700000000.12345_000000000000000a`; with a zero offset it is the normal form.
/// - The *short* form writes the offset without padding: `1700000000.12345_a`.
///
/// Timestamps order by time, then offset, which is also the order of their internal forms as
/// strings (the fixed widths make that so). Valid times are `0 <= t < 10^10` seconds.
public struct SwiftTimestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Units of 10 µs per second.
    public static let unitsPerSecond: Int64 = 100_000
    /// The largest time, in 10 µs units (9999999999.99999).
    public static let maxRaw: Int64 = 999_999_999_999_999

    /// The time in 10 µs units since the epoch.
    public let raw: Int64
    public let offset: UInt64

    public static let zero = SwiftTimestamp(uncheckedRaw: 0, offset: 0)

    private init(uncheckedRaw raw: Int64, offset: UInt64) {
        self.raw = raw
        self.offset = offset
    }

    /// A timestamp from 10 µs units; nil outside `0 ... maxRaw`.
    public init?(raw: Int64, offset: UInt64 = 0) {
        guard raw >= 0, raw <= SwiftTimestamp.maxRaw else { return nil }
        self.init(uncheckedRaw: raw, offset: offset)
    }

    /// A timestamp from seconds, rounded to the nearest 10 µs; nil outside the valid range.
    public init?(seconds: Double, offset: UInt64 = 0) {
        guard seconds.isFinite else { return nil }
        // Swift divides by 1e-5 and rounds half to even; multiplying rounds differently for some floats.
        let raw = (seconds / 1e-5).rounded(.toNearestOrEven)
        guard raw >= 0, raw <= Double(SwiftTimestamp.maxRaw) else { return nil }
        self.init(uncheckedRaw: Int64(raw), offset: offset)
    }

    /// Parses the normal, internal or short form, or any decimal number of seconds
    /// (`1700000000`, `1700000000.1`, `1700000000.123456` rounds to 10 µs). Nil for anything
    /// else: signs, exponents, more than 16 hex digits of offset, a second `_`, out of range.
    public init?(_ text: String) {
        let parts = text.split(separator: "_", maxSplits: 1, omittingEmptySubsequences: false)
        var offset: UInt64 = 0
        if parts.count == 2 {
            let hex = parts[1]
            guard hex.count <= 16, !hex.contains("_") else { return nil }
            if !hex.isEmpty {
                guard hex.utf8.allSatisfy(SwiftTimestamp.isHexDigit), let value = UInt64(hex, radix: 16) else {
                    return nil
                }
                offset = value
            }
        }
        guard let raw = SwiftTimestamp.parseDecimal(parts[0]) else { return nil }
        self.init(raw: raw, offset: offset)
    }

    /// The current time of the system clock.
    public static func now(offset: UInt64 = 0) -> SwiftTimestamp {
        SwiftTimestamp(seconds: Date().timeIntervalSince1970, offset: offset)!
    }

    public var seconds: Double { Double(raw) / Double(SwiftTimestamp.unitsPerSecond) }

    /// Whole seconds, rounded up: what `Last-Modified` shows (as Swift's `ceil()`).
    public var ceilingSeconds: Int64 { (raw + SwiftTimestamp.unitsPerSecond - 1) / SwiftTimestamp.unitsPerSecond }

    /// Whole seconds, rounded down.
    public var wholeSeconds: Int64 { raw / SwiftTimestamp.unitsPerSecond }

    public var normal: String {
        let (whole, fraction) = raw.quotientAndRemainder(dividingBy: SwiftTimestamp.unitsPerSecond)
        return SwiftTimestamp.pad(String(whole), 10) + "." + SwiftTimestamp.pad(String(fraction), 5)
    }

    public var `internal`: String {
        offset == 0 ? normal : normal + "_" + SwiftTimestamp.pad(String(offset, radix: 16), 16)
    }

    public var short: String { offset == 0 ? normal : normal + "_" + String(offset, radix: 16) }

    public var description: String { `internal` }

    /// The same time with `amount` added to the offset; nil on overflow.
    public func incrementingOffset(by amount: UInt64) -> SwiftTimestamp? {
        let (sum, overflow) = offset.addingReportingOverflow(amount)
        return overflow ? nil : SwiftTimestamp(uncheckedRaw: raw, offset: sum)
    }

    /// The same time without its offset.
    public var normalized: SwiftTimestamp { SwiftTimestamp(uncheckedRaw: raw, offset: 0) }

    public static func < (lhs: SwiftTimestamp, rhs: SwiftTimestamp) -> Bool {
        (lhs.raw, lhs.offset) < (rhs.raw, rhs.offset)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (97...102).contains(byte) || (65...70).contains(byte)
    }

    /// `digits[.digits]` as 10 µs units, rounding half up on the sixth decimal.
    private static func parseDecimal(_ text: Substring) -> Int64? {
        let pieces = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = pieces[0]
        let fraction = pieces.count == 2 ? pieces[1] : ""
        guard !(whole.isEmpty && fraction.isEmpty), whole.utf8.count <= 10 else { return nil }
        guard whole.utf8.allSatisfy({ (48...57).contains($0) }), fraction.utf8.allSatisfy({ (48...57).contains($0) })
        else { return nil }
        // Beyond 10 µs, round as Swift does: the float divided by 1e-5, half to even.
        guard let seconds = Double(text) else { return nil }
        let raw = Int64((seconds / 1e-5).rounded(.toNearestOrEven))
        return raw
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
