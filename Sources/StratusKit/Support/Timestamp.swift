import Foundation

/// A point in time as microseconds since the Unix epoch: what the stores persist
/// (the same BIGINT on SQLite and PostgreSQL) and what tokens carry.
public struct Timestamp: Sendable, Hashable, Comparable, Codable {
    public var microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    public init(_ date: Date) {
        self.microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    public static func now() -> Timestamp { Timestamp(Date()) }

    public var date: Date { Date(timeIntervalSince1970: Double(microseconds) / 1_000_000) }
    public var seconds: Int64 { microseconds / 1_000_000 }

    public func adding(seconds: Int64) -> Timestamp {
        Timestamp(microseconds: microseconds + seconds * 1_000_000)
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.microseconds < rhs.microseconds }

    /// `2015-11-06T15:32:17.893769Z`: the form Keystone renders (`%Y-%m-%dT%H:%M:%S.%fZ`).
    public var iso8601Microseconds: String { render(fraction: true, zone: true) }

    /// `2015-11-06T15:32:17Z`: whole seconds, as most other APIs render times.
    public var iso8601Seconds: String { render(fraction: false, zone: true) }

    /// `2015-11-06T15:32:17.000000`: no zone suffix, as Keystone renders expiries of credentials.
    public var iso8601NoZone: String { render(fraction: true, zone: false) }

    /// Writes the digits straight into the string's storage: token bodies and every log
    /// line carry a time, so this is on the hot path.
    private func render(fraction: Bool, zone: Bool) -> String {
        let seconds = microseconds.floorDiv(1_000_000)
        let micros = Int(microseconds - seconds * 1_000_000)
        let days = Int(seconds.floorDiv(86400))
        let secondOfDay = Int(seconds - Int64(days) * 86400)
        let (year, month, day) = Timestamp.civilFromDays(days)
        guard (0...9999).contains(year) else {
            return Timestamp.civil(seconds: seconds) + (fraction ? "." + Timestamp.pad(micros, 6) : "") + (zone ? "Z" : "")
        }
        let length = 19 + (fraction ? 7 : 0) + (zone ? 1 : 0)
        return String(unsafeUninitializedCapacity: length) { out in
            var index = 0
            func digits(_ value: Int, _ width: Int) {
                var rest = value
                for position in stride(from: index + width - 1, through: index, by: -1) {
                    out[position] = UInt8(48 + rest % 10)
                    rest /= 10
                }
                index += width
            }
            func byte(_ character: UInt8) {
                out[index] = character
                index += 1
            }
            digits(year, 4); byte(UInt8(ascii: "-")); digits(month, 2); byte(UInt8(ascii: "-")); digits(day, 2)
            byte(UInt8(ascii: "T")); digits(secondOfDay / 3600, 2); byte(UInt8(ascii: ":"))
            digits(secondOfDay / 60 % 60, 2); byte(UInt8(ascii: ":")); digits(secondOfDay % 60, 2)
            if fraction {
                byte(UInt8(ascii: "."))
                digits(micros, 6)
            }
            if zone { byte(UInt8(ascii: "Z")) }
            return index
        }
    }

    /// Parses ISO 8601 with optional fraction and optional `Z`/offset (a missing zone means UTC).
    public static func parse(_ text: String) -> Timestamp? {
        let scalars = Array(text.utf8)
        func number(_ start: Int, _ length: Int) -> Int? {
            guard start + length <= scalars.count else { return nil }
            var value = 0
            for byte in scalars[start..<start + length] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0, 4), scalars.count >= 10, scalars[4] == 45, let month = number(5, 2),
            scalars[7] == 45, let day = number(8, 2)
        else { return nil }
        var hour = 0, minute = 0, second = 0, micros = 0
        var index = 10
        if index < scalars.count, scalars[index] == 84 || scalars[index] == 116 || scalars[index] == 32 {
            guard let h = number(11, 2), scalars.count > 13, scalars[13] == 58, let m = number(14, 2) else {
                return nil
            }
            hour = h
            minute = m
            index = 16
            if index < scalars.count, scalars[index] == 58 {
                guard let s = number(17, 2) else { return nil }
                second = s
                index = 19
            }
            if index < scalars.count, scalars[index] == 46 {
                index += 1
                var digits = 0
                while index < scalars.count, scalars[index] >= 48, scalars[index] <= 57 {
                    if digits < 6 { micros = micros * 10 + Int(scalars[index] - 48) }
                    digits += 1
                    index += 1
                }
                for _ in digits..<max(digits, 6) { micros *= 10 }
            }
        }
        var offsetSeconds = 0
        if index < scalars.count {
            let sign = scalars[index]
            if sign == 90 || sign == 122 {
                index += 1
            } else if sign == 43 || sign == 45 {
                guard let oh = number(index + 1, 2) else { return nil }
                var om = 0
                if index + 3 < scalars.count, scalars[index + 3] == 58 {
                    om = number(index + 4, 2) ?? 0
                    index += 6
                } else {
                    om = number(index + 3, 2) ?? 0
                    index += 5
                }
                offsetSeconds = (oh * 3600 + om * 60) * (sign == 43 ? 1 : -1)
            } else {
                return nil
            }
        }
        guard index == scalars.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60,
            second < 61
        else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let total = Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        return Timestamp(microseconds: total * 1_000_000 + Int64(micros))
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    private static func civil(seconds: Int64) -> String {
        let days = Int(seconds.floorDiv(86400))
        let secondOfDay = Int(seconds - Int64(days) * 86400)
        let (year, month, day) = civilFromDays(days)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(secondOfDay / 3600, 2) + ":"
            + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
    }

    /// Howard Hinnant's days-from-civil algorithm (proleptic Gregorian calendar).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146097 + dayOfEra - 719468
    }

    private static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let dayOfEra = z - era * 146097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension Int64 {
    fileprivate func floorDiv(_ divisor: Int64) -> Int64 {
        let (q, r) = quotientAndRemainder(dividingBy: divisor)
        return r < 0 ? q - 1 : q
    }
}
