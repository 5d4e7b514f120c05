#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Validates and normalises the addresses of ring devices: IPv4 as written, IPv6 in its
/// canonical compressed lowercase form (brackets are dropped), host names in lowercase
/// (RFC 1123 labels of letters, digits and inner hyphens, at most 255 characters).
enum RingAddress {
    static func normalize(_ text: String, field: String) throws -> String {
        var value = text.lowercased()
        if value.hasPrefix("["), value.hasSuffix("]") { value = String(value.dropFirst().dropLast()) }
        if let v4 = canonical(value, family: AF_INET, size: 4) { return v4 }
        if let v6 = canonical(value, family: AF_INET6, size: 16) { return v6 }
        if isHostName(value), value.contains(where: { !$0.isNumber && $0 != "." }) { return value }
        throw RingError.invalidParameter("invalid \(field) \"\(text)\": not an IPv4 or IPv6 address or host name")
    }

    private static func canonical(_ text: String, family: Int32, size: Int) -> String? {
        var buffer = [UInt8](repeating: 0, count: size)
        guard inet_pton(family, text, &buffer) == 1 else { return nil }
        var out = [CChar](repeating: 0, count: 64)
        guard inet_ntop(family, buffer, &out, socklen_t(out.count)) != nil else { return nil }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func isHostName(_ text: String) -> Bool {
        var name = Substring(text)
        if name.hasSuffix(".") { name = name.dropLast() }
        guard !name.isEmpty, name.utf8.count <= 255 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.utf8.count) && label.first != "-" && label.last != "-"
                && label.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
        }
    }
}
