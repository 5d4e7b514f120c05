import StratusKit

/// The metadata of an account or container database: header name → (value, timestamp). Each key
/// keeps the value with the newest timestamp, so updates merge in any order (replication merges
/// them the same way). Removing a key stores an empty value with the removal's timestamp; empty
/// values are not shown.
///
/// Stored as Swift stores it: a JSON object of `"X-Container-Meta-Color": ["blue", "1700000000.00000"]`.
public struct BrokerMetadata: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public var value: String
        /// The internal form of the timestamp of the write that set the value.
        public var timestamp: String

        public init(value: String, timestamp: String) {
            self.value = value
            self.timestamp = timestamp
        }
    }

    /// Swift's limits on the user metadata of one account or container.
    public static let maxCount = 90
    public static let maxOverallSize = 4096

    public var items: [String: Item]

    public init(items: [String: Item] = [:]) { self.items = items }

    /// Reads the stored JSON; empty or unreadable text is no metadata.
    public init(json text: String) {
        var items: [String: Item] = [:]
        for (key, pair) in JSONValue.parse(text)?.objectValue ?? [:] {
            guard let array = pair.arrayValue, array.count == 2, let value = array[0].stringValue else { continue }
            let timestamp = array[1].stringValue ?? array[1].intValue.map(String.init) ?? "0"
            items[key] = Item(value: value, timestamp: timestamp)
        }
        self.items = items
    }

    public var jsonText: String {
        JSONValue.object(items.mapValues { .array([.string($0.value), .string($0.timestamp)]) }).jsonText()
    }

    /// Keys with a value (what responses show).
    public var visible: [(key: String, value: String)] {
        items.filter { !$0.value.value.isEmpty }.map { ($0.key, $0.value.value) }.sorted { $0.key < $1.key }
    }

    /// Applies updates whose timestamp is newer than the stored one; true when anything changed.
    @discardableResult
    public mutating func merge(_ updates: [String: Item]) -> Bool {
        var changed = false
        for (key, update) in updates {
            if let current = items[key], !Self.isNewer(update.timestamp, than: current.timestamp) { continue }
            items[key] = update
            changed = true
        }
        return changed
    }

    /// Throws when the user metadata (`X-Account-Meta-*`, `X-Container-Meta-*` with a value) has
    /// more than 90 items or more than 4096 characters of names (without the prefix) and values.
    public func validate() throws {
        var count = 0
        var size = 0
        for (key, item) in items where !item.value.isEmpty {
            let lower = key.lowercased()
            for prefix in ["x-account-meta-", "x-container-meta-"] where lower.hasPrefix(prefix) {
                count += 1
                size += key.unicodeScalars.count - prefix.count + item.value.unicodeScalars.count
            }
        }
        if count > Self.maxCount { throw BrokerError.metadataTooLarge("Too many metadata items; max \(Self.maxCount)") }
        if size > Self.maxOverallSize {
            throw BrokerError.metadataTooLarge("Total metadata too large; max \(Self.maxOverallSize)")
        }
    }

    /// Sets every key to an empty value at `timestamp` (what deleting a database does first).
    public mutating func clear(at timestamp: String) {
        merge(items.mapValues { _ in Item(value: "", timestamp: timestamp) })
    }

    static func isNewer(_ lhs: String, than rhs: String) -> Bool {
        if let left = SwiftTimestamp(lhs), let right = SwiftTimestamp(rhs) { return left > right }
        return lhs > rhs
    }
}

/// Which request headers become metadata, and how their names are written.
public enum MetadataHeaders {
    /// True for `X-<Kind>-Meta-<name>` and `X-<Kind>-Sysmeta-<name>` with a non-empty name
    /// (`kind` is `account` or `container`), and, for containers, the ACL and sync headers Swift keeps.
    public static func isStored(_ name: String, kind: String) -> Bool {
        let lower = name.lowercased()
        let user = "x-\(kind)-meta-"
        let system = "x-\(kind)-sysmeta-"
        if lower.count > user.count, lower.hasPrefix(user) { return true }
        if lower.count > system.count, lower.hasPrefix(system) { return true }
        return kind == "container"
            && ["x-container-read", "x-container-write", "x-container-sync-key", "x-container-sync-to"].contains(lower)
    }

    /// A header name as Swift writes it (Python's `str.title()`: a letter after a non-letter is
    /// upper case, every other letter lower case): `x-container-meta-fooBar` → `X-Container-Meta-Foobar`.
    public static func titleCased(_ name: String) -> String {
        var result = ""
        result.reserveCapacity(name.utf8.count)
        var previousIsLetter = false
        for character in name {
            let isLetter = character.isLetter
            if isLetter {
                result += previousIsLetter ? character.lowercased() : character.uppercased()
            } else {
                result.append(character)
            }
            previousIsLetter = isLetter
        }
        return result
    }
}
