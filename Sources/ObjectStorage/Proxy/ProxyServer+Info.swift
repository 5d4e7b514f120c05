import NIOHTTP1

/// Account and container information the proxy needs on the way to an object (existence,
/// ACLs, quotas, temp URL keys), read from a replica and kept in the info cache.
extension ProxyServer {
    /// The container's headers from a replica; nil when it does not exist.
    func containerHeaders(account: String, container: String) async throws -> HTTPHeaders? {
        try await infoCache.headers(InfoCache.key(account: account, container: container)) {
            let (partition, _) = try containerNodes(account, container)
            let answer = await replicas.read(
                .HEAD, ring: rings.container, partition: partition,
                path: { BackendClient.path(device: $0.device, partition: partition, account: account, container: container) },
                headers: [:])
            return answer.isSuccess ? answer.headers : nil
        }
    }

    /// The account's headers from a replica; nil when it does not exist (yet).
    func accountHeaders(account: String) async throws -> HTTPHeaders? {
        try await infoCache.headers(InfoCache.key(account: account)) {
            let partition = try rings.account.partition(account: account)
            let answer = await replicas.read(
                .HEAD, ring: rings.account, partition: partition,
                path: { BackendClient.path(device: $0.device, partition: partition, account: account) }, headers: [:])
            return answer.isSuccess ? answer.headers : nil
        }
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
