import Foundation

/// What a client request names: `/v1/<account>[/<container>[/<object>]]`, each part
/// percent-decoded (object names may hold `/`).
struct ProxyPath: Sendable, Equatable {
    var account: String
    var container: String?
    var object: String?

    /// Parses the raw (still percent-encoded) request path; nil when it is not a `/v1/` path.
    init?(rawPath: String) {
        guard rawPath.hasPrefix("/v1/") else { return nil }
        let parts = rawPath.dropFirst(4).split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        guard let account = parts.first.flatMap({ String($0).removingPercentEncoding }), !account.isEmpty else { return nil }
        self.account = account
        if parts.count > 1 {
            guard let container = String(parts[1]).removingPercentEncoding else { return nil }
            self.container = container.isEmpty ? nil : container
        }
        if parts.count > 2 {
            guard let object = String(parts[2]).removingPercentEncoding, container != nil else { return nil }
            self.object = object.isEmpty ? nil : object
        }
    }

    init(account: String, container: String? = nil, object: String? = nil) {
        self.account = account
        self.container = container
        self.object = object
    }
}
