import Foundation

/// Query strings of the links list responses carry (`next`, `first`, `*_links`):
/// names and values percent-encoded, RFC 3986 unreserved characters and `:` kept.
public enum QueryString {
    public static func encode(_ items: [(name: String, value: String)]) -> String {
        items.map { "\(encode($0.name))=\(encode($0.value))" }.joined(separator: "&")
    }

    private static let allowed: CharacterSet = {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:")
        return allowed
    }()

    private static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
