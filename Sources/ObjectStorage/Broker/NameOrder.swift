/// Names are ordered by their UTF-8 bytes (code point order), as SQLite's default collation and
/// Python's string comparison order them; Swift's `String` comparison orders by Unicode canonical
/// equivalence instead, which would disagree with the database on some names.
enum NameOrder {
    static func less(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    /// The string with its last code point replaced by the next one (`"ab"` → `"ac"`): every
    /// name starting with `prefix` sorts before it. Surrogate code points are skipped; nil past
    /// the last code point.
    static func successor(ofLastScalarIn prefix: String) -> String? {
        var scalars = Array(prefix.unicodeScalars)
        guard let last = scalars.popLast() else { return nil }
        var next = last.value + 1
        if next == 0xD800 { next = 0xE000 }
        guard let scalar = Unicode.Scalar(next) else { return nil }
        scalars.append(scalar)
        var result = String.UnicodeScalarView()
        result.append(contentsOf: scalars)
        return String(result)
    }

    /// The byte offset of the first `needle` in `haystack` at or after byte `start`, or nil.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var index = start
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == needle[0] {
                var matched = true
                for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                    matched = false
                    break
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }
}

/// A name as a dictionary key by its UTF-8 bytes (Swift's `String` equality would merge names
/// that are canonically equivalent but stored as different rows).
struct NameKey: Hashable {
    let bytes: [UInt8]
    init(_ name: String) { bytes = Array(name.utf8) }
}
