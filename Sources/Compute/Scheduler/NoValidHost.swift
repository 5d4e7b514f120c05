/// How many hosts one filter (or Placement) took out of the running, and why.
public struct FilterRemoval: Sendable, Equatable {
    /// The filter's name, or "Placement" for hosts Placement offered no candidate on.
    public var filter: String
    public var removed: Int
    /// Hosts still in the running when the filter ran.
    public var of: Int
    /// The deciding numbers, e.g. "4096 MB requested, most free 2048 MB".
    public var detail: String

    public init(filter: String, removed: Int, of: Int, detail: String) {
        self.filter = filter
        self.removed = removed
        self.of = of
        self.detail = detail
    }

    /// Placement's removals carry this filter name.
    public static let placement = "Placement"

    /// One sentence of the fault message.
    public var sentence: String {
        let hosts = of == 1 ? "host" : "hosts"
        if filter == Self.placement {
            return "Placement offered no allocation candidate on \(removed) of \(of) \(hosts)."
        }
        return "\(filter) removed \(removed) of \(of) \(hosts): \(detail)."
    }
}

/// No host is left for a request. Unlike Nova's bare "No valid host was found", the message
/// names each filter that removed hosts, how many, and the deciding numbers; it keeps Nova's
/// opening sentence so tools that match it keep working.
public struct NoValidHost: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var removals: [FilterRemoval]

    public static let prefix = "No valid host was found."

    public init(removals: [FilterRemoval]) {
        self.removals = removals
        let reasons = removals.isEmpty ? ["There are no compute hosts."] : removals.map(\.sentence)
        message = ([Self.prefix] + reasons).joined(separator: " ")
    }

    /// A refusal not made by a filter (e.g. every Placement claim lost its race).
    public init(reason: String) {
        removals = []
        message = Self.prefix + " " + reason
    }

    public var description: String { message }
}
