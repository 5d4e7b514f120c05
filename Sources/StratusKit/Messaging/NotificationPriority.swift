/// How much a notification matters, as oslo.messaging's notifier ranks them. The priority
/// is carried upper-case in the message and lower-case in the topic (`notifications.info`).
public enum NotificationPriority: String, Sendable, Hashable, CaseIterable {
    case audit = "AUDIT"
    case debug = "DEBUG"
    case info = "INFO"
    case warn = "WARN"
    case error = "ERROR"
    case critical = "CRITICAL"
    case sample = "SAMPLE"

    /// The topic a notification of this priority is sent to: `notifications.error` for `notifications`.
    public func routingKey(topic: String) -> String { topic + "." + rawValue.lowercased() }
}
