/// A `Range: bytes=…` request header, read as Swift reads it.
///
/// The whole header is ignored (a 200 with the whole object) when any part of it is not a
/// valid byte-range-spec: no `bytes=`, a part without `-`, `-` alone, non-digits, `5-3`.
/// Against an object of a known length, each spec becomes a half-open range: `a-b` →
/// `a ..< min(b+1, length)`, `a-` → `a ..< length`, `-n` → the last `n` bytes (all of them when
/// `n` exceeds the length; `-0` is dropped); specs starting at or past the end are dropped. If
/// none is left the answer is 416. More than 50 ranges, more than 2 overlapping pairs, or 8 or
/// more ranges out of ascending order are refused as abusive (416), as in Swift.
public struct ByteRanges: Sendable, Equatable {
    public static let maxRanges = 50
    public static let maxOverlaps = 2
    public static let maxNonAscending = 8

    /// The specs as written: `(start, end)`, either may be absent (`-n` has no start).
    public var specs: [(start: Int64?, end: Int64?)]

    public static func == (lhs: ByteRanges, rhs: ByteRanges) -> Bool {
        lhs.specs.elementsEqual(rhs.specs) { $0.start == $1.start && $0.end == $1.end }
    }

    /// Parses the header; nil when it must be ignored.
    public init?(header: String) {
        let text = header.filter { $0 != " " }
        guard text.lowercased().hasPrefix("bytes=") else { return nil }
        var specs: [(start: Int64?, end: Int64?)] = []
        for item in text.dropFirst(6).split(separator: ",", omittingEmptySubsequences: false) {
            guard let dash = item.firstIndex(of: "-") else { return nil }
            let startText = item[..<dash]
            let endText = item[item.index(after: dash)...]
            var start: Int64? = nil
            var end: Int64? = nil
            if !startText.isEmpty {
                guard startText.allSatisfy(\.isASCIIDigit), let value = Int64(startText) else { return nil }
                start = value
            }
            if !endText.isEmpty {
                guard endText.allSatisfy(\.isASCIIDigit), let value = Int64(endText) else { return nil }
                if let start, value < start { return nil }
                end = value
            } else if start == nil {
                return nil
            }
            specs.append((start, end))
        }
        guard !specs.isEmpty else { return nil }
        self.specs = specs
    }

    /// The satisfiable ranges against `length` bytes, half-open; empty means 416.
    public func ranges(forLength length: Int64) -> [Range<Int64>] {
        var result: [Range<Int64>] = []
        for spec in specs {
            switch (spec.start, spec.end) {
            case (nil, let suffix?):
                if suffix == 0 { continue }
                result.append(suffix > length ? 0..<length : (length - suffix)..<length)
            case (let start?, nil):
                if start < length { result.append(start..<length) }
            case (let start?, let end?):
                if start < length { result.append(start..<min(end + 1, length)) }
            case (nil, nil):
                continue
            }
        }
        if result.count > ByteRanges.maxRanges { return [] }
        var overlaps = 0
        for i in result.indices {
            for j in result.indices where j > i {
                let (a, b) = (result[i], result[j])
                let (s1, e1, s2, e2) = (a.lowerBound, a.upperBound, b.lowerBound, b.upperBound)
                if (s1 < s2 && s2 < e1) || (s1 < e2 && e2 < e1) || (s2 < s1 && s1 < e2) || (s2 < e1 && e1 < e2) {
                    overlaps += 1
                    if overlaps > ByteRanges.maxOverlaps { return [] }
                }
            }
        }
        let ascending = zip(result, result.dropFirst()).allSatisfy { !(($0.lowerBound, $0.upperBound) > ($1.lowerBound, $1.upperBound)) }
        if !ascending && result.count >= ByteRanges.maxNonAscending { return [] }
        return result
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
