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
        var line = Timestamp.now().iso8601Microseconds + " level=\(event.level) logger=\(label) msg="
        Self.appendQuoted(event.message.description, to: &line)
        let extra = event.metadata ?? [:]
        var keys = Array(metadata.keys.filter { extra[$0] == nil }) + Array(extra.keys)
        keys.sort()
        // `hb.*` are the HTTP framework's own keys; the OpenStack request id is `request_id`.
        for key in keys where !Self.redacted.contains(key) && !key.hasPrefix("hb.") {
            let value = extra[key] ?? metadata[key]!
            line += " " + key + "="
            Self.appendQuoted(value.description, to: &line)
        }
        line += "\n"
        LogSink.shared.write(line, urgent: event.level >= .warning)
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
