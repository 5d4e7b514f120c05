import Foundation
import HTTPTypes
import Hummingbird

/// Builds JSON responses and reads JSON request bodies the same way in every service.
public enum JSONResponse {
    public static func make(_ status: HTTPResponse.Status = .ok, _ body: JSONValue, headers: HTTPFields = [:])
        -> Response
    {
        make(status, data: body.encodedData(), headers: headers)
    }

    public static func make(_ status: HTTPResponse.Status, data: Data, headers: HTTPFields = [:]) -> Response {
        make(status, buffer: ByteBuffer(bytes: data), headers: headers)
    }

    /// A JSON body already encoded (a shared buffer is not copied).
    public static func make(_ status: HTTPResponse.Status, buffer: ByteBuffer, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
    }

    public static func empty(_ status: HTTPResponse.Status = .noContent, headers: HTTPFields = [:]) -> Response {
        Response(status: status, headers: headers)
    }
}

extension Request {
    /// The body parsed as a JSON object, or a 400 naming what is wrong with it.
    public mutating func jsonObject(context: StratusRequestContext) async throws -> [String: JSONValue] {
        let bytes = try await jsonBytes(context: context)
        guard !bytes.isEmpty else {
            throw APIError.badRequest("The request body is empty; a JSON object is required.")
        }
        let value = try Self.parseJSON(bytes)
        guard let object = value.objectValue else {
            throw APIError.badRequest("The request body must be a JSON object, not \(value.typeName).")
        }
        return object
    }

    /// The body parsed as any JSON value (a JSON patch is an array), or a 400.
    public mutating func jsonValue(context: StratusRequestContext) async throws -> JSONValue {
        try Self.parseJSON(try await jsonBytes(context: context))
    }

    /// The whole body, up to the JSON size limit (413 beyond).
    private mutating func jsonBytes(context: StratusRequestContext) async throws -> [UInt8] {
        do {
            return Array(try await collectBody(upTo: context.maxUploadSize).readableBytesView)
        } catch {
            throw APIError(.contentTooLarge, "Request Entity Too Large")
        }
    }

    private static func parseJSON(_ bytes: [UInt8]) throws -> JSONValue {
        do {
            return try JSONValue.parse(bytes: bytes)
        } catch {
            throw APIError.badRequest("Malformed JSON in request body.")
        }
    }

    /// The first value of a query parameter, if present.
    public func query(_ name: String) -> String? {
        uri.queryParameters[Substring(name)].map(String.init)
    }

    /// True when a boolean query flag is present and not false (`?effective`, `?effective=true`).
    public func queryFlag(_ name: String) -> Bool {
        guard let value = uri.queryParameters[Substring(name)] else { return false }
        return !["false", "0", "no", "off"].contains(value.lowercased())
    }
}
