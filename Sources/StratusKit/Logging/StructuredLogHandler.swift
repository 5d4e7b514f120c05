import Foundation
import Logging
import Synchronization

/// One log line per event, `key=value` pairs after the time, level and message, so the
/// request id and other metadata can be grepped and parsed. Written to standard error.
public struct StructuredLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        LogSink.shared.write(line(for: event, at: .now()), urgent: event.level >= .warning)
    }

    /// The line written for `event`: time, level, logger, message, then the handler's and
    /// the event's metadata (the event's win) sorted by key, without `hb.*` and secret keys.
    func line(for event: LogEvent, at time: Timestamp) -> String {
        var line = time.iso8601Microseconds
        line += " level="
        line += event.level.rawValue
        line += " logger="
        line += label
        line += " msg="
        Self.appendQuoted(event.message.description, to: &line)
        let extra = event.metadata ?? [:]
        var pairs: [(key: String, value: Logger.MetadataValue)] = []
        pairs.reserveCapacity(metadata.count + extra.count)
        for (key, value) in metadata where extra[key] == nil && Self.isWritten(key) { pairs.append((key, value)) }
        for (key, value) in extra where Self.isWritten(key) { pairs.append((key, value)) }
        pairs.sort { $0.key < $1.key }
        for pair in pairs {
            line += " "
            line += pair.key
            line += "="
            Self.appendQuoted(pair.value.description, to: &line)
        }
        line += "\n"
        return line
    }

    /// `hb.*` are the HTTP framework's own keys (the OpenStack request id is `request_id`);
    /// redacted keys may carry secrets.
    private static func isWritten(_ key: String) -> Bool {
        !key.hasPrefix("hb.") && !redacted.contains(key)
    }

    /// Metadata keys that may carry secrets and are never written.
    static let redacted: Set<String> = ["password", "token", "secret", "X-Auth-Token", "X-Subject-Token"]

    static func quoted(_ text: String) -> String {
        var output = ""
        appendQuoted(text, to: &output)
        return output
    }

    static func appendQuoted(_ text: String, to output: inout String) {
        let needsQuotes = text.isEmpty || text.utf8.contains { $0 == 32 || $0 == 34 || $0 == 61 || $0 == 10 || $0 == 13 }
        guard needsQuotes else {
            output += text
            return
        }
        var escaped = "\""
        for character in text {
            switch character {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        output += escaped + "\""
    }
}
