import NIOHTTP1
import StratusKit
import Synchronization

/// Account and container answers (existence, metadata, ACLs, quotas, counts) kept for a
/// short while, as Swift's proxy keeps them in memcache (`recheck_account_existence`,
/// `recheck_container_existence`), so that an object request does not re-read its
/// container and account every time. A change made through this proxy drops the entry.
final class InfoCache: Sendable {
    struct Entry: Sendable {
        /// nil: the resource does not exist.
        var headers: HTTPHeaders?
        var expires: Timestamp
    }

    let timeToLive: Int64
    let capacity: Int
    private let entries = Mutex<[String: Entry]>([:])

    /// - Parameter timeToLive: microseconds an answer is trusted.
    init(timeToLive: Int64 = 10_000_000, capacity: Int = 10_000) {
        self.timeToLive = timeToLive
        self.capacity = capacity
    }

    static func key(account: String, container: String? = nil) -> String {
        container.map { "\(account)/\($0)" } ?? account
    }

    /// The cached answer, or `load`'s (then cached).
    func headers(_ key: String, load: () async throws -> HTTPHeaders?) async rethrows -> HTTPHeaders? {
        let now = Timestamp.now()
        if let entry = entries.withLock({ $0[key] }), entry.expires > now { return entry.headers }
        let headers = try await load()
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = Entry(headers: headers, expires: Timestamp(microseconds: now.microseconds + timeToLive))
        }
        return headers
    }

    func invalidate(_ key: String) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }
}
