import NIOHTTP1

/// Account and container information the proxy needs on the way to an object (existence,
/// ACLs, quotas, temp URL keys), read from a replica and kept in the info cache.
extension ProxyServer {
    /// The container's headers from a replica; nil when it does not exist, or its account was
    /// deleted (as Swift's `get_container_info` checks the account first).
    func containerHeaders(account: String, container: String) async throws -> HTTPHeaders? {
        if case .deleted = try await accountLookup(account) { return nil }
        return try await infoCache.headers(InfoCache.key(account: account, container: container)) {
            let (partition, _) = try containerNodes(account, container)
            let answer = await replicas.read(
                .HEAD, ring: rings.container, partition: partition,
                path: { BackendClient.path(device: $0.device, partition: partition, account: account, container: container) },
                headers: [:])
            return answer.isSuccess ? answer.headers : nil
        }
    }

    /// An account as its servers know it.
    enum AccountLookup {
        case exists(HTTPHeaders)
        /// Never written (it is created on first use).
        case absent
        /// Deleted by a reseller admin (`X-Account-Status: Deleted`): never created again.
        case deleted
    }

    /// The account from a replica (through the info cache).
    func accountLookup(_ account: String) async throws -> AccountLookup {
        let headers = try await infoCache.headers(InfoCache.key(account: account)) {
            let partition = try rings.account.partition(account: account)
            let answer = await replicas.read(
                .HEAD, ring: rings.account, partition: partition,
                path: { BackendClient.path(device: $0.device, partition: partition, account: account) }, headers: [:])
            // A deleted account's 404 is kept too: its X-Account-Status tells it apart.
            return answer.isSuccess || Self.isDeletedAccountAnswer(answer) ? answer.headers : nil
        }
        guard let headers else { return .absent }
        return headers.first(name: "X-Account-Status")?.lowercased() == "deleted" ? .deleted : .exists(headers)
    }

    static func isDeletedAccountAnswer(_ answer: BackendResponse) -> Bool {
        answer.status == 404 && answer.headers.first(name: "X-Account-Status")?.lowercased() == "deleted"
    }

    /// The account's headers from a replica; nil when it does not exist (yet, or any more).
    func accountHeaders(account: String) async throws -> HTTPHeaders? {
        if case .exists(let headers) = try await accountLookup(account) { return headers }
        return nil
    }

    /// `Temp-URL-Key` and `Temp-URL-Key-2` of the account and of the container.
    func tempURLKeys(account: String, container: String) async throws -> [String] {
        let accountInfo = try await accountHeaders(account: account)
        let containerInfo = try await containerHeaders(account: account, container: container)
        var keys: [String] = []
        for name in ["Temp-Url-Key", "Temp-Url-Key-2"] {
            if let key = accountInfo?.first(name: "X-Account-Meta-\(name)") { keys.append(key) }
            if let key = containerInfo?.first(name: "X-Container-Meta-\(name)") { keys.append(key) }
        }
        return keys
    }
}
