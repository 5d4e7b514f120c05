import Foundation
import Logging
import Synchronization

/// One log line per event, `key=value` pairs after the time, level and message, so the
/// request id and other metadata can be grepped and parsed. Written to standard error.
public struct StructuredLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private static let output = Mutex<Void>(())

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
        line += Self.quoted(event.message.description)
        let merged = self.metadata.merging(event.metadata ?? [:]) { _, new in new }
        for key in merged.keys.sorted() where !Self.redacted.contains(key) {
            line += " \(key)=" + Self.quoted(merged[key]!.description)
        }
        line += "\n"
        Self.output.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// Metadata keys that may carry secrets and are never written.
    static let redacted: Set<String> = ["password", "token", "secret", "X-Auth-Token", "X-Subject-Token"]

    static func quoted(_ text: String) -> String {
        if !text.isEmpty, !text.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) {
            return text
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
        return escaped + "\""
    }
}
