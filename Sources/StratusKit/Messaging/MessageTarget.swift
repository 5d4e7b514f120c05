/// Where an RPC message goes, as oslo.messaging names it: a topic (`scheduler`, `compute`),
/// optionally one server on it (`compute` + `host1` is the queue `compute.host1`), and the
/// namespace and version of the interface the caller speaks.
public struct MessageTarget: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var server: String?
    public var namespace: String?
    /// The interface version the caller needs, `major.minor`; a server serves it when its
    /// endpoint has the same major version and at least this minor version.
    public var version: String?

    public init(topic: String, server: String? = nil, namespace: String? = nil, version: String? = nil) {
        self.topic = topic
        self.server = server
        self.namespace = namespace
        self.version = version
    }

    /// The queue a message to this target is routed to: `topic`, or `topic.server`.
    public var routingKey: String {
        guard let server else { return topic }
        return topic + "." + server
    }

    public var description: String { routingKey }
}
