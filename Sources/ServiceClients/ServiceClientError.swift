import Foundation
import StratusKit

/// A call to another service that failed: the service answered with an unexpected status
/// (its own error message extracted from its error body), or could not be reached.
public struct ServiceClientError: Error, CustomStringConvertible, Sendable {
    /// `placement`, `network`, `image` or `identity`.
    public var service: String
    /// The HTTP status; 0 when the service could not be reached (or has no endpoint).
    public var status: Int
    /// The service's own error message, or what went wrong on the way.
    public var message: String

    public init(service: String, status: Int, message: String) {
        self.service = service
        self.status = status
        self.message = message
    }

    public var description: String {
        status == 0 ? "\(service) unreachable: \(message)" : "\(service) answered \(status): \(message)"
    }

    /// The error for a response with `status` and `body`, its message read from whichever
    /// error body the service uses: Placement's `{"errors": [{"detail": …}]}`, Neutron's
    /// `{"NeutronError": {"message": …}}`, Keystone's `{"error": {"message": …}}`, Glance's
    /// `{"message": …}` (with its HTML line breaks dropped) or Nova's `{"<kind>": {"message": …}}`;
    /// else the body's text.
    static func response(service: String, status: Int, body: [UInt8]) -> ServiceClientError {
        ServiceClientError(service: service, status: status, message: message(in: body) ?? "HTTP \(status)")
    }

    static func message(in body: [UInt8]) -> String? {
        guard !body.isEmpty else { return nil }
        if let json = try? JSONValue.parse(bytes: body) {
            if let detail = json["errors"]?.arrayValue?.first?["detail"]?.stringValue { return tidy(detail) }
            if let message = json["NeutronError"]?["message"]?.stringValue { return message }
            if let message = json["error"]?["message"]?.stringValue { return message }
            if let message = json["message"]?.stringValue { return tidy(message) }
            if let object = json.objectValue, object.count == 1, let message = object.first?.value["message"]?.stringValue {
                return message
            }
        }
        let text = String(decoding: body, as: UTF8.self)
        return tidy(text)
    }

    /// Drops the HTML line breaks and surrounding blank lines some services put in messages.
    private static func tidy(_ text: String) -> String {
        text.replacingOccurrences(of: "<br />", with: "\n").split(separator: "\n", omittingEmptySubsequences: true)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
    }
}
