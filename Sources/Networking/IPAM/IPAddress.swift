/// An IPv4 or IPv6 address as a 128-bit number (IPv4 in the low 32 bits), parsed from and
/// printed to the usual text forms (dotted quad; RFC 5952 compressed IPv6).
///
/// The number is kept as two 64-bit halves: a stored `UInt128` (16-byte aligned) inside
/// values captured by async closures crashed at run time on this toolchain.
struct IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    enum Version: Int, Sendable { case v4 = 4, v6 = 6 }

    let version: Version
    private let high: UInt64
    private let low: UInt64

    var value: UInt128 { UInt128(high) << 64 | UInt128(low) }

    init(version: Version, value: UInt128) {
        self.version = version
        let value = version == .v4 ? value & 0xffff_ffff : value
        high = UInt64(truncatingIfNeeded: value >> 64)
        low = UInt64(truncatingIfNeeded: value)
    }

    init?(_ text: String) {
        if text.utf8.contains(UInt8(ascii: ":")) {
            guard let value = Self.parseV6(text) else { return nil }
            self.init(version: .v6, value: value)
        } else {
            guard let value = Self.parseV4(text) else { return nil }
            self.init(version: .v4, value: UInt128(value))
        }
    }

    var bitWidth: Int { version == .v4 ? 32 : 128 }

    static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        (lhs.version.rawValue, lhs.high, lhs.low) < (rhs.version.rawValue, rhs.high, rhs.low)
    }

    func adding(_ offset: UInt128) -> IPAddress { IPAddress(version: version, value: value &+ offset) }

    var description: String { version == .v4 ? Self.formatV4(UInt32(value)) : Self.formatV6(value) }

    private static func parseV4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), let octet = UInt32(part), octet <= 255
            else { return nil }
            if part.count > 1, part.first == "0" { return nil }
            value = value << 8 | octet
        }
        return value
    }

    private static func parseV6(_ text: String) -> UInt128? {
        var text = Substring(text)
        var tail: [UInt16] = []
        // An embedded IPv4 address in the last 32 bits (::ffff:192.0.2.1).
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard let v4 = parseV4(String(text[text.index(after: lastColon)...])) else { return nil }
            tail = [UInt16(v4 >> 16), UInt16(v4 & 0xffff)]
            text = text[...lastColon]
            if text.hasSuffix(":"), !text.hasSuffix("::") { text = text.dropLast() }
        }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard !group.isEmpty, group.count <= 4, let number = UInt16(group, radix: 16) else { return nil }
                result.append(number)
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        var words: [UInt16]
        if halves.count == 2 {
            guard let rest = groups(halves[1]) else { return nil }
            let missing = 8 - head.count - rest.count - tail.count
            guard missing >= 1 else { return nil }
            words = head + Array(repeating: 0, count: missing) + rest + tail
        } else {
            words = head + tail
        }
        guard words.count == 8 else { return nil }
        return words.reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
    }

    private static func formatV4(_ value: UInt32) -> String {
        "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
    }

    /// RFC 5952: lowercase, leading zeros dropped, the longest run (≥ 2) of zero groups as `::`.
    private static func formatV6(_ value: UInt128) -> String {
        let words = (0..<8).map { UInt16(truncatingIfNeeded: value >> (112 - 16 * UInt128($0))) }
        var bestStart = -1
        var bestLength = 1
        var index = 0
        while index < 8 {
            if words[index] == 0 {
                var end = index
                while end < 8, words[end] == 0 { end += 1 }
                if end - index > bestLength {
                    bestStart = index
                    bestLength = end - index
                }
                index = end
            } else {
                index += 1
            }
        }
        let hex = words.map { String($0, radix: 16) }
        guard bestStart >= 0 else { return hex.joined(separator: ":") }
        let head = hex[..<bestStart].joined(separator: ":")
        let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
        return head + "::" + tail
    }
}
