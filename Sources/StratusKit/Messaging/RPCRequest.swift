/// A call, cast or fanout as its handler sees it.
public struct RPCRequest: Sendable {
    public var method: String
    /// The method's arguments by name (oslo.messaging's keyword arguments).
    public var args: [String: JSONValue]
    /// The caller's request context and trace context, as it sent them.
    public var context: MessagingContext
    /// Whether a caller waits for the result (a call) or not (a cast or fanout).
    public var expectsReply: Bool

    public init(method: String, args: [String: JSONValue], context: MessagingContext, expectsReply: Bool) {
        self.method = method
        self.args = args
        self.context = context
        self.expectsReply = expectsReply
    }
}
