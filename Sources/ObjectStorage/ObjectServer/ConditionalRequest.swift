import HTTPTypes

/// The conditional headers of a GET or HEAD, judged as Swift's `swob` judges them, in order:
///
/// 1. `If-None-Match` contains the ETag (or `*`) → 304;
/// 2. `If-Match` does not contain the ETag (and is not `*`) → 412;
/// 3. the object is missing and `If-Match` has `*` → 412;
/// 4. `If-Modified-Since` is not before `Last-Modified` → 304;
/// 5. `If-Unmodified-Since` is before `Last-Modified` → 412.
///
/// Entity tags are compared without their quotes; `W/` weak tags are not treated specially.
/// Dates that do not parse are ignored.
public struct ConditionalRequest: Sendable {
    public var ifMatch: Set<String>?
    public var ifNoneMatch: Set<String>?
    public var ifModifiedSince: Int64?
    public var ifUnmodifiedSince: Int64?

    public init(headers: HTTPFields) {
        ifMatch = headers[.ifMatch].map(ConditionalRequest.tags)
        ifNoneMatch = headers[.ifNoneMatch].map(ConditionalRequest.tags)
        ifModifiedSince = headers[.ifModifiedSince].flatMap(HTTPDate.parse)
        ifUnmodifiedSince = headers[.ifUnmodifiedSince].flatMap(HTTPDate.parse)
    }

    /// A comma-separated list of entity tags, unquoted.
    static func tags(_ header: String) -> Set<String> {
        Set(
            header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                .map(ConditionalRequest.unquote))
    }

    static func unquote(_ tag: String) -> String {
        tag.count >= 2 && tag.hasPrefix("\"") && tag.hasSuffix("\"") ? String(tag.dropFirst().dropLast()) : tag
    }

    private static func contains(_ tags: Set<String>, _ etag: String) -> Bool {
        tags.contains("*") || tags.contains(unquote(etag))
    }

    /// The status replacing a found object's 200, if any (`lastModified` in Unix seconds).
    public func status(etag: String, lastModified: Int64) -> HTTPResponse.Status? {
        if let ifNoneMatch, ConditionalRequest.contains(ifNoneMatch, etag) { return .notModified }
        if let ifMatch, !ConditionalRequest.contains(ifMatch, etag) { return .preconditionFailed }
        if let ifModifiedSince, lastModified <= ifModifiedSince { return .notModified }
        if let ifUnmodifiedSince, lastModified > ifUnmodifiedSince { return .preconditionFailed }
        return nil
    }

    /// The status replacing a 404, if any.
    public var statusWhenMissing: HTTPResponse.Status? {
        if let ifMatch, ifMatch.contains("*") { return .preconditionFailed }
        return nil
    }
}
