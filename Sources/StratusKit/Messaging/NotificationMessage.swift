import Foundation

/// An event a service announces on a notifications topic, as oslo.messaging's notifier
/// sends it: `message_id`, `publisher_id` (`compute.host1`), `event_type`
/// (`compute.instance.create.end`), `priority`, `payload` and `timestamp`
/// (`2025-01-31 12:00:00.123456`, UTC), with the context but never the token.
public struct NotificationMessage: Sendable {
    public var messageID: String
    public var publisherID: String
    public var eventType: String
    public var priority: NotificationPriority
    public var payload: JSONValue
    public var timestamp: String
    public var context: MessagingContext

    public init(
        publisherID: String, eventType: String, priority: NotificationPriority, payload: JSONValue,
        context: MessagingContext, timestamp: Timestamp = .now()
    ) {
        self.messageID = IDGenerator.uuid()
        self.publisherID = publisherID
        self.eventType = eventType
        self.priority = priority
        self.payload = payload
        self.timestamp = timestamp.iso8601NoZone.replacingOccurrences(of: "T", with: " ")
        var context = context
        context.authToken = nil
        self.context = context
    }

    func encoded() -> [UInt8] {
        var message = context.wireFields(includingToken: false)
        message["message_id"] = .string(messageID)
        message["publisher_id"] = .string(publisherID)
        message["event_type"] = .string(eventType)
        message["priority"] = .string(priority.rawValue)
        message["payload"] = payload
        message["timestamp"] = .string(timestamp)
        message["_unique_id"] = .string(IDGenerator.hex())
        return MessageEnvelope.wrap(message)
    }

    init(decoding bytes: [UInt8]) throws {
        let message = try MessageEnvelope.unwrap(bytes)
        guard let eventType = message["event_type"]?.stringValue,
            let priority = message["priority"]?.stringValue.flatMap({ NotificationPriority(rawValue: $0.uppercased()) })
        else { throw MalformedMessage("a notification without event_type or priority") }
        self.messageID = message["message_id"]?.stringValue ?? ""
        self.publisherID = message["publisher_id"]?.stringValue ?? ""
        self.eventType = eventType
        self.priority = priority
        self.payload = message["payload"] ?? .null
        self.timestamp = message["timestamp"]?.stringValue ?? ""
        self.context = MessagingContext(wireFields: message)
    }
}
