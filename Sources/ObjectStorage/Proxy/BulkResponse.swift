import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The answers of Swift's bulk operations (bulk delete, archive extraction, SLO manifest
/// checks and deletes): a result dictionary and a list of `[name, status]` failures, written as
/// plain text, JSON or XML as the client's `Accept` asks (swift's `get_heartbeat_response_body`).
enum BulkResponse {
    static let acceptableFormats = ["text/plain", "application/json", "application/xml", "text/xml"]

    enum Value: Sendable {
        case string(String)
        case int(Int)

        var text: String {
            switch self {
            case .string(let text): text
            case .int(let number): String(number)
            }
        }
    }

    /// The format to answer in: the best match for `Accept`; nil when none is acceptable or
    /// the header cannot be read.
    static func format(accept: String?) -> String? {
        if case .match(let format) = SwiftText.bestMatch(accept: accept, options: acceptableFormats) { return format }
        return nil
    }

    /// The body: JSON (`{"Response Status": …, "Errors": [[name, status]]}`, keys in the order
    /// given); XML (`<root>` with `<snake_case_key>` elements in key order, then `<errors>`);
    /// otherwise plain text (`Key: value` lines in key order, then `Errors:` and `name, status`).
    static func body(format: String?, fields: [(String, Value)], errors: [[String]], rootTag: String) -> [UInt8] {
        if format == "application/json" {
            var output: [UInt8] = []
            let json: [(String, SLOManifest.Field)] = fields.map { key, value in
                switch value {
                case .string(let text): (key, .string(text))
                case .int(let number): (key, .int(Int64(number)))
                }
            }
            SLOManifest.appendFields(json + [("Errors", .list(errors))], to: &output)
            return output
        }
        let sorted = fields.sorted { $0.0 < $1.0 }
        if let format, format.hasSuffix("/xml") {
            var text = "<\(rootTag)>\n"
            for (key, value) in sorted {
                let tag = key.replacingOccurrences(of: " ", with: "_").lowercased()
                text += "<\(tag)>\(escape(value.text))</\(tag)>\n"
            }
            text += "<errors>\n"
            for error in errors {
                text += "<object><name>\(escape(error.first ?? ""))</name><status>\(escape(error.dropFirst().first ?? ""))</status></object>\n"
            }
            text += "</errors>\n</\(rootTag)>\n"
            return Array(text.utf8)
        }
        var text = ""
        for (key, value) in sorted { text += "\(key): \(value.text)\n" }
        text += "Errors:\n"
        for error in errors { text += error.joined(separator: ", ") + "\n" }
        return Array(text.utf8)
    }

    /// `xml.sax.saxutils.escape`.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    /// A 200 whose body is the result of `work`. While the work runs, a space (first an XML
    /// declaration for XML) goes out every `frequency` seconds so that the client does not time
    /// out; the result then follows a blank line, as in Swift.
    static func streaming(
        format: String?, frequency: Int, work: @escaping @Sendable () async -> [UInt8]
    ) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = format ?? "text/html; charset=UTF-8"
        let isXML = format?.hasSuffix("/xml") ?? false
        let body = ResponseBody { writer in
            let (events, continuation) = AsyncStream.makeStream(of: [UInt8]?.self)
            let worker = Task {
                continuation.yield(await work())
                continuation.finish()
            }
            let ticker = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(max(frequency, 1)))
                    if Task.isCancelled { break }
                    continuation.yield(nil)
                }
            }
            defer { ticker.cancel() }
            var sentHeartbeat = false
            for await event in events {
                guard let result = event else {
                    try await writer.write(ByteBuffer(string: !sentHeartbeat && isXML ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" : " "))
                    sentHeartbeat = true
                    continue
                }
                var output = ByteBuffer()
                if sentHeartbeat { output.writeString("\r\n\r\n") }
                output.writeBytes(result)
                try await writer.write(output)
                break
            }
            _ = worker
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}

extension ProxyServer {
    /// A response whose body is `text` as it is (swob's `HTTPException(body=…)`).
    static func textResponse(
        _ status: HTTPResponse.Status, _ text: String, contentType: String = "text/html; charset=UTF-8", headers: HTTPFields = [:]
    ) -> Response {
        var fields = headers
        fields[.contentType] = contentType
        fields[.contentLength] = String(text.utf8.count)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
