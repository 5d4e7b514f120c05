/// A container's stats for its account server: what a container server sends after a container
/// PUT or DELETE as `PUT /<device>/<partition>/<account>/<container>` with the headers below
/// (Swift's `account_update`).
public struct AccountUpdate: Sendable, Equatable {
    public var account: String
    public var container: String
    public var putTimestamp: SwiftTimestamp
    public var deleteTimestamp: SwiftTimestamp
    public var objectCount: Int64
    public var bytesUsed: Int64
    public var storagePolicyIndex: Int
    /// The request's `X-Trans-Id` (`-` when it had none).
    public var transactionID: String
    /// `X-Account-Override-Deleted: yes`: update even a deleted account (the reaper's deletes).
    public var overrideDeleted: Bool

    public init(
        account: String, container: String, putTimestamp: SwiftTimestamp, deleteTimestamp: SwiftTimestamp,
        objectCount: Int64, bytesUsed: Int64, storagePolicyIndex: Int = 0, transactionID: String = "-",
        overrideDeleted: Bool = false
    ) {
        self.account = account
        self.container = container
        self.putTimestamp = putTimestamp
        self.deleteTimestamp = deleteTimestamp
        self.objectCount = objectCount
        self.bytesUsed = bytesUsed
        self.storagePolicyIndex = storagePolicyIndex
        self.transactionID = transactionID
        self.overrideDeleted = overrideDeleted
    }

    /// The request's path on the account server.
    public func path(device: String, partition: String) -> String {
        "/\(device)/\(partition)/\(account)/\(container)"
    }

    /// The request's headers, as Swift's container server sends them.
    public var headers: [(name: String, value: String)] {
        var headers: [(String, String)] = [
            ("X-Put-Timestamp", putTimestamp.internal), ("X-Delete-Timestamp", deleteTimestamp.internal),
            ("X-Object-Count", String(objectCount)), ("X-Bytes-Used", String(bytesUsed)),
            ("X-Trans-Id", transactionID), ("X-Backend-Storage-Policy-Index", String(storagePolicyIndex)),
            ("User-Agent", "container-server"),
        ]
        if overrideDeleted { headers.append(("X-Account-Override-Deleted", "yes")) }
        return headers
    }
}

/// One account server to update: `X-Account-Host` (`ip:port`, IPv6 in brackets), the matching
/// `X-Account-Device`, and `X-Account-Partition`, as the proxy passes them to container servers.
public struct AccountUpdateTarget: Sendable, Equatable, Hashable {
    public var host: String
    public var device: String
    public var partition: String

    public init(host: String, device: String, partition: String) {
        self.host = host
        self.device = device
        self.partition = partition
    }

    /// The address and port of `host` (split at its last `:`); nil when it has no port.
    public var address: (ip: String, port: Int)? {
        guard let colon = host.lastIndex(of: ":"), let port = Int(host[host.index(after: colon)...]) else { return nil }
        var ip = String(host[..<colon])
        if ip.hasPrefix("["), ip.hasSuffix("]") { ip = String(ip.dropFirst().dropLast()) }
        return (ip, port)
    }
}

/// How a container server reaches account servers. There is no HTTP client in Stratus yet: a
/// server gets `UnavailableAccountUpdateSender` (every update is queued for the updater) or, in
/// one process with its account server, `LocalAccountUpdateSender`; an HTTP implementation
/// plugs in here later.
public protocol AccountUpdateSender: Sendable {
    /// Sends `PUT <update.path(...)>` with `update.headers` to `target`; returns the response
    /// status. Throws when no response came (connection refused, timeout ...).
    func send(_ update: AccountUpdate, to target: AccountUpdateTarget) async throws -> Int
}

/// The sender of a server with no way to reach account servers: every update fails, so every
/// update is queued (see `AccountUpdateQueue`).
public struct UnavailableAccountUpdateSender: AccountUpdateSender {
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String { "no account update transport is configured" }
    }

    public init() {}

    public func send(_ update: AccountUpdate, to target: AccountUpdateTarget) async throws -> Int {
        throw Unavailable()
    }
}
