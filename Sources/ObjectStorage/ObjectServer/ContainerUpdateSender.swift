/// What an object server tells a container server after a PUT, POST or DELETE of an object,
/// so the container's listing follows: the operation (`PUT` for writes and POSTs, `DELETE`) on
/// `/<account>/<container>/<object>` with the object's `X-Size`, `X-Content-Type`, `X-Etag`,
/// `X-Timestamp` (and for POSTs `X-Content-Type-Timestamp`, `X-Meta-Timestamp`) as headers,
/// as Swift's object server sends them.
public struct ContainerUpdate: Codable, Sendable, Equatable {
    public var op: String
    public var account: String
    public var container: String
    public var object: String
    /// Header names lowercased.
    public var headers: [String: String]
    /// Ids of the container ring devices that took the update already (the object updater
    /// records them when only some did, as Swift's does, and sends to the others only).
    public var successes: [Int]?

    public init(
        op: String, account: String, container: String, object: String, headers: [String: String], successes: [Int]? = nil
    ) {
        self.op = op
        self.account = account
        self.container = container
        self.object = object
        self.headers = headers
        self.successes = successes
    }

    enum CodingKeys: String, CodingKey {
        case op, account, container, headers, successes
        case object = "obj"
    }

    /// The timestamp naming the update's async pending file: the POST's, else the write's.
    public var timestamp: SwiftTimestamp? {
        (headers["x-meta-timestamp"] ?? headers["x-timestamp"]).flatMap(SwiftTimestamp.init)
    }
}

/// One container server replica to update, from the proxy's `X-Container-Host` (`ip:port`),
/// `X-Container-Device` and `X-Container-Partition` headers.
public struct ContainerUpdateTarget: Sendable, Equatable {
    public var host: String
    public var device: String
    public var partition: String

    public init(host: String, device: String, partition: String) {
        self.host = host
        self.device = device
        self.partition = partition
    }
}

/// Delivers container updates: `<op> /<device>/<partition>/<account>/<container>/<object>`
/// to the container server at `target.host`, with `update.headers`. Throws when the update was
/// not accepted (no connection, timeout, a non-2xx answer); the object server then keeps it in
/// `async_pending` for the updater.
public protocol ContainerUpdateSender: Sendable {
    func send(_ update: ContainerUpdate, to target: ContainerUpdateTarget) async throws
}

/// A container server's non-2xx answer to an update (the update is then queued).
struct ContainerUpdateRefused: Error {
    let status: Int
}
