/// The answer to a call, keyed as oslo.messaging keys it: `result`, `failure` (a serialized
/// `RemoteError`, or null), `ending` (true: the last reply to this call) and `_msg_id`.
struct RPCReplyMessage: Sendable {
    var messageID: String
    var outcome: Result<JSONValue, RemoteError>

    init(messageID: String, outcome: Result<JSONValue, RemoteError>) {
        self.messageID = messageID
        self.outcome = outcome
    }

    func encoded() -> [UInt8] {
        var message: [String: JSONValue] = ["_msg_id": .string(messageID), "ending": true]
        switch outcome {
        case .success(let result):
            message["result"] = result
            message["failure"] = .null
        case .failure(let error):
            message["result"] = .null
            message["failure"] = .string(error.failureText)
        }
        message["_unique_id"] = .string(IDGenerator.hex())
        return MessageEnvelope.wrap(message)
    }

    init(decoding bytes: [UInt8]) throws {
        let message = try MessageEnvelope.unwrap(bytes)
        guard let messageID = message["_msg_id"]?.stringValue else { throw MalformedMessage("a reply without _msg_id") }
        self.messageID = messageID
        if let failure = message["failure"], !failure.isNull {
            guard let text = failure.stringValue else { throw MalformedMessage("a reply's failure is not a string") }
            self.outcome = .failure(try RemoteError(failureText: text))
        } else {
            self.outcome = .success(message["result"] ?? .null)
        }
    }
}
