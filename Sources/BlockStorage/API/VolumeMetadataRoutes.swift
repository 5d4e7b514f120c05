import Foundation
import HTTPTypes
import Hummingbird
import StratusKit

extension BlockStorageAPI {
    /// `/volumes/{id}/metadata`: GET all, POST (merge), PUT (replace all); and
    /// `/volumes/{id}/metadata/{key}`: GET, PUT (one key), DELETE. From 3.15 a GET carries an
    /// `ETag`, and a PUT whose `If-Match` names another version answers 412.
    func registerVolumeMetadata(on router: Router<StratusRequestContext>) {
        for path in Self.paths("/volumes/{volume_id}/metadata") {
            router.get(path) { _, context in
                let metadata = try await manager.volumeMetadata(try context.parameters.require("volume_id"), try Self.auth(context))
                var response = Self.respond(["metadata": .object(metadata.mapValues(JSONValue.string))])
                if Self.version(context).isAtLeast(3, 15) { response.headers[.eTag] = Self.metadataETag(metadata) }
                return response
            }
            router.post(path) { request, context in
                let auth = try Self.auth(context)
                let metadata = try Self.metadataBody(try await Self.body(request, context))
                let all = try await manager.mergeVolumeMetadata(
                    try context.parameters.require("volume_id"), metadata, rule: "volume:create_volume_metadata", auth)
                return Self.respond(["metadata": .object(all.mapValues(JSONValue.string))])
            }
            router.put(path) { request, context in
                let auth = try Self.auth(context)
                let id = try context.parameters.require("volume_id")
                let metadata = try Self.metadataBody(try await Self.body(request, context))
                if let refusal = try await etagRefusal(request, context, id, auth) { return refusal }
                let all = try await manager.replaceVolumeMetadata(id, metadata, auth)
                return Self.respond(["metadata": .object(all.mapValues(JSONValue.string))])
            }
        }
        for path in Self.paths("/volumes/{volume_id}/metadata/{key}") {
            router.get(path) { _, context in
                let id = try context.parameters.require("volume_id")
                let key = try context.parameters.require("key")
                let metadata = try await manager.volumeMetadata(id, try Self.auth(context))
                guard let value = metadata[key] else { throw BlockStorageManager.metadataKeyNotFound(id, key) }
                return Self.respond(["meta": [key: .string(value)]])
            }
            router.put(path) { request, context in
                let auth = try Self.auth(context)
                let id = try context.parameters.require("volume_id")
                let key = try context.parameters.require("key")
                let body = try await Self.body(request, context)
                if let extra = body.keys.filter({ $0 != "meta" }).sorted().first {
                    throw BlockStorageErrors.badRequest("Additional properties are not allowed ('\(extra)' was unexpected)")
                }
                guard let value = body["meta"] else { throw BlockStorageErrors.badRequest("'meta' is a required property") }
                let item = try ActionBody.metadata(value, name: "meta")
                if item.isEmpty { throw ActionBody.invalid("meta", value, "\(ActionBody.repr(value)) does not have enough properties") }
                if item.count > 1 { throw ActionBody.invalid("meta", value, "\(ActionBody.repr(value)) has too many properties") }
                guard let text = item[key] else { throw BlockStorageErrors.badRequest("Request body and URI mismatch") }
                if let refusal = try await etagRefusal(request, context, id, auth) { return refusal }
                _ = try await manager.mergeVolumeMetadata(id, [key: text], rule: "volume:update_volume_metadata", auth)
                return Self.respond(["meta": [key: .string(text)]])
            }
            router.delete(path) { _, context in
                try await manager.deleteVolumeMetadataKey(
                    try context.parameters.require("volume_id"), key: try context.parameters.require("key"), try Self.auth(context))
                return Response(status: .ok)
            }
        }
    }

    /// `{"metadata": {...}}` with nothing else, as Cinder's schema has it.
    private static func metadataBody(_ body: [String: JSONValue]) throws -> [String: String] {
        if let extra = body.keys.filter({ $0 != "metadata" }).sorted().first {
            throw BlockStorageErrors.badRequest("Additional properties are not allowed ('\(extra)' was unexpected)")
        }
        guard let value = body["metadata"] else { throw BlockStorageErrors.badRequest("'metadata' is a required property") }
        return try ActionBody.metadata(value, name: "metadata")
    }

    /// A 412 when the request's `If-Match` (3.15+) does not name the metadata's current version.
    private func etagRefusal(_ request: Request, _ context: StratusRequestContext, _ id: String, _ auth: AuthContext)
        async throws -> Response?
    {
        guard Self.version(context).isAtLeast(3, 15), let ifMatch = request.headers[.ifMatch] else { return nil }
        let current = Self.metadataETag(try await manager.volumeMetadata(id, auth))
        let tags = ifMatch.split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return tags.contains(current) || tags.contains("*") ? nil : Response(status: .preconditionFailed)
    }

    /// An opaque version of the metadata: a 128-bit FNV-1a hash of its sorted JSON, in hex.
    static func metadataETag(_ metadata: [String: String]) -> String {
        let text = JSONValue.object(["metadata": .object(metadata.mapValues(JSONValue.string))]).jsonText()
        var low: UInt64 = 14_695_981_039_346_656_037
        var high: UInt64 = 0x6c62_272e_07bb_0142
        for byte in text.utf8 {
            low = (low ^ UInt64(byte)) &* 1_099_511_628_211
            high = (high ^ UInt64(byte) ^ (low >> 7)) &* 1_099_511_628_211
        }
        return String(format: "%016llx%016llx", high, low)
    }
}
