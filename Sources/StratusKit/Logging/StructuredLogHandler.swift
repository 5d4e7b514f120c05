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
        LogSink.shared.write(bytes: line(for: event, at: .now()), urgent: event.level >= .warning)
    }

    /// The line written for `event`: time, level, logger, message, then the handler's and
    /// the event's metadata (the event's win) sorted by key, without `hb.*` and secret keys.
    /// Built as bytes: every request writes one.
    func line(for event: LogEvent, at time: Timestamp) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(256)
        line.append(contentsOf: time.iso8601Microseconds.utf8)
        line.append(contentsOf: " level=".utf8)
        line.append(contentsOf: event.level.rawValue.utf8)
        line.append(contentsOf: " logger=".utf8)
        line.append(contentsOf: label.utf8)
        line.append(contentsOf: " msg=".utf8)
        Self.appendQuoted(event.message.description, to: &line)
        let extra = event.metadata ?? [:]
        var pairs: [(key: String, value: Logger.MetadataValue)] = []
        pairs.reserveCapacity(metadata.count + extra.count)
        for (key, value) in metadata where extra[key] == nil && Self.isWritten(key) { pairs.append((key, value)) }
        for (key, value) in extra where Self.isWritten(key) { pairs.append((key, value)) }
        pairs.sort { $0.key < $1.key }
        for pair in pairs {
            line.append(UInt8(ascii: " "))
            line.append(contentsOf: pair.key.utf8)
            line.append(UInt8(ascii: "="))
            switch pair.value {
            case .string(let text): Self.appendQuoted(text, to: &line)
            default: Self.appendQuoted(pair.value.description, to: &line)
            }
        }
        line.append(UInt8(ascii: "\n"))
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
        var output: [UInt8] = []
        appendQuoted(text, to: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// The text as it is, or as a JSON string (quoted, with quotes, backslashes and control
    /// characters escaped) when it is empty or holds a space, quote, `=` or line break.
    static func appendQuoted(_ text: String, to output: inout [UInt8]) {
        var needsQuotes = text.isEmpty
        for byte in text.utf8 where byte == 32 || byte == 34 || byte == 61 || byte == 10 || byte == 13 {
            needsQuotes = true
            break
        }
        if needsQuotes {
            JSONSerializer.writeString(text, into: &output)
        } else {
            output.append(contentsOf: text.utf8)
        }
    }
}
