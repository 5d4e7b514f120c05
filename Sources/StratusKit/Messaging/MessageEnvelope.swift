/// oslo.messaging's message envelope, version 2.0: every message on the bus is the JSON
/// object `{"oslo.version": "2.0", "oslo.message": "<the message as JSON text>"}`. The
/// message is text inside the envelope so that a transport never needs to look into it.
enum MessageEnvelope {
    static let version = "2.0"
    static let versionKey = "oslo.version"
    static let messageKey = "oslo.message"

    static func wrap(_ message: [String: JSONValue]) -> [UInt8] {
        let envelope: JSONValue = [
            versionKey: .string(version), messageKey: .string(JSONValue.object(message).jsonText()),
        ]
        return envelope.serialized()
    }

    /// The message inside an envelope whose major version is 2.
    static func unwrap(_ bytes: [UInt8]) throws -> [String: JSONValue] {
        guard let envelope = (try? JSONValue.parse(bytes: bytes))?.objectValue else {
            throw MalformedMessage("not a JSON object")
        }
        guard let version = envelope[versionKey]?.stringValue, let text = envelope[messageKey]?.stringValue else {
            throw MalformedMessage("no \(versionKey) and \(messageKey)")
        }
        guard version.split(separator: ".").first == "2" else {
            throw MalformedMessage("unsupported envelope version \(version)")
        }
        guard let message = JSONValue.parse(text)?.objectValue else {
            throw MalformedMessage("\(messageKey) is not a JSON object")
        }
        return message
    }
}
