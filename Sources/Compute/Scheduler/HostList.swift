/// Short lists for fault messages: a few names, then how many more, so a message stays
/// readable when thousands of hosts were removed.
enum HostList {
    static let shown = 5

    /// "a, b, c" or "a, b, c, d, e and 12 more".
    static func summary(_ names: [String]) -> String {
        guard names.count > shown else { return names.joined(separator: ", ") }
        return names.prefix(shown).joined(separator: ", ") + " and \(names.count - shown) more"
    }

    /// Distinct names in first-seen order, summarized.
    static func distinctSummary(_ names: some Sequence<String>) -> String {
        var seen = Set<String>()
        var ordered: [String] = []
        for name in names where seen.insert(name).inserted { ordered.append(name) }
        return summary(ordered)
    }
}
