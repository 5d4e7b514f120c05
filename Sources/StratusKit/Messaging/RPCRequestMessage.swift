/// A call, cast or fanout on the wire, keyed as oslo.messaging keys it: `method`, `args`,
/// `namespace`, `version`, and for a call `_msg_id` (matches the reply) and `_reply_q`
/// (where the reply goes); `_unique_id` on every message; the context as `_context_*` keys.
/// (oslo.messaging's `_timeout`, the call-monitor interval, is not sent: there are no
/// call-monitor heartbeats yet.)
struct RPCRequestMessage: Sendable {
    var method: String
    var args: [String: JSONValue]
    var namespace: String?
    var version: String?
    var replyTo: ReplyAddress?
    var uniqueID: String
    var context: MessagingContext

    struct ReplyAddress: Sendable {
        var messageID: String
        var queue: String
    }

    func encoded() -> [UInt8] {
        var message = context.wireFields(includingToken: true)
        message["method"] = .string(method)
        message["args"] = .object(args)
        if let namespace { message["namespace"] = .string(namespace) }
        if let version { message["version"] = .string(version) }
        if let replyTo {
            message["_msg_id"] = .string(replyTo.messageID)
            message["_reply_q"] = .string(replyTo.queue)
        }
        message["_unique_id"] = .string(uniqueID)
        return MessageEnvelope.wrap(message)
    }

    init(
        method: String, args: [String: JSONValue], namespace: String?, version: String?, replyTo: ReplyAddress?,
        context: MessagingContext
    ) {
        self.method = method
        self.args = args
        self.namespace = namespace
        self.version = version
        self.replyTo = replyTo
        self.uniqueID = IDGenerator.hex()
        self.context = context
    }

    init(decoding bytes: [UInt8]) throws {
        let message = try MessageEnvelope.unwrap(bytes)
        guard let method = message["method"]?.stringValue else { throw MalformedMessage("no method") }
        self.method = method
        self.args = message["args"]?.objectValue ?? [:]
        self.namespace = message["namespace"]?.stringValue
        self.version = message["version"]?.stringValue
        if let messageID = message["_msg_id"]?.stringValue, let queue = message["_reply_q"]?.stringValue {
            self.replyTo = ReplyAddress(messageID: messageID, queue: queue)
        }
        self.uniqueID = message["_unique_id"]?.stringValue ?? ""
        self.context = MessagingContext(wireFields: message)
    }
}
