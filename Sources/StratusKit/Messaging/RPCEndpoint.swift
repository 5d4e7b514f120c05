/// A set of methods a server exposes under one namespace and interface version, as an
/// oslo.messaging endpoint object does (Nova's `ComputeManager` at version 6.x).
public struct RPCEndpoint: Sendable {
    public typealias Handler = @Sendable (RPCRequest) async throws -> JSONValue

    /// Nil for the default namespace, which callers reach without naming one.
    public var namespace: String?
    /// `major.minor`: serves callers asking for the same major and at most this minor version.
    public var version: String
    public var handlers: [String: Handler]

    public init(namespace: String? = nil, version: String = "1.0", handlers: [String: Handler] = [:]) {
        self.namespace = namespace
        self.version = version
        self.handlers = handlers
    }

    /// Adds (or replaces) the handler of `method`.
    public mutating func on(_ method: String, _ handler: @escaping Handler) {
        handlers[method] = handler
    }
}
