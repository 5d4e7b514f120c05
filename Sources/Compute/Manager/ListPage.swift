import StratusKit

/// Nova's paging of a sorted collection: `limit` (capped at 1000, 0 or absent meaning the
/// cap) and `marker` (the key of the last item seen; the page starts after it). A page is
/// "full" when it holds `limit` items, and then the list carries a `next` link.
struct ListPage: Sendable {
    static let maxLimit = 1000

    var limit: Int
    var marker: String?

    /// Everything, unpaged (lists of microversions before paging existed).
    static let unlimited = ListPage(unlimited: ())

    private init(unlimited: Void) {
        limit = .max
        marker = nil
    }

    /// - Throws: Nova's 400 for a `limit` that is not a non-negative integer.
    init(limit text: String?, marker: String?) throws {
        var limit = Self.maxLimit
        if let text {
            guard let value = Int(text), value >= 0 else {
                throw ComputeErrors.invalidInput("limit", .string(text), "'\(text)' does not match '^[0-9]*$'")
            }
            if value > 0 { limit = min(value, Self.maxLimit) }
        }
        self.limit = limit
        self.marker = marker
    }

    /// The items after the marker that pass `matching`, up to the limit. `items` is the
    /// whole sorted collection the caller may see (the marker may name an item the filter
    /// leaves out); `markerMissing` is thrown when no item has the marker's key.
    func apply<T>(
        _ items: [T], key: (T) -> String, markerMissing: APIError, matching: (T) -> Bool = { _ in true }
    ) throws -> [T] {
        var start = 0
        if let marker {
            guard let index = items.firstIndex(where: { key($0) == marker }) else { throw markerMissing }
            start = index + 1
        }
        return Array(items[start...].filter(matching).prefix(limit))
    }

    /// Whether a page of `count` items calls for a `next` link.
    func isFull(_ count: Int) -> Bool { count > 0 && count == limit }
}
