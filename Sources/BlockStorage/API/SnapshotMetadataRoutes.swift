import Hummingbird
import StratusKit

extension BlockStorageAPI {
    /// `/snapshots/{id}/metadata`: GET, POST (merge), PUT (replace); `/metadata/{key}`: GET,
    /// PUT (one key, equal to the URL's), DELETE.
    func registerSnapshotMetadata(on router: Router<StratusRequestContext>) {
        for path in Self.paths("/snapshots/{snapshot_id}/metadata") {
            router.get(path) { _, context in
                let auth = try Self.auth(context)
                let metadata = try await manager.snapshotMetadata(try context.parameters.require("snapshot_id"), auth)
                return Self.respond(["metadata": .object(metadata.mapValues(JSONValue.string))])
            }
            for replace in [false, true] {
                let handler: @Sendable (Request, StratusRequestContext) async throws -> Response = { request, context in
                    let auth = try Self.auth(context)
                    let body = try await Self.body(request, context)
                    guard body["metadata"] != nil else { throw BlockStorageErrors.badRequest("Malformed request body") }
                    let metadata = try Self.stringMap(JSONFields(body, name: "metadata"), "metadata") ?? [:]
                    let all = try await manager.setSnapshotMetadata(
                        try context.parameters.require("snapshot_id"), metadata, replace: replace, auth)
                    return Self.respond(["metadata": .object(all.mapValues(JSONValue.string))])
                }
                if replace { router.put(path, use: handler) } else { router.post(path, use: handler) }
            }
        }
        for path in Self.paths("/snapshots/{snapshot_id}/metadata/{key}") {
            router.get(path) { _, context in
                let auth = try Self.auth(context)
                let key = try context.parameters.require("key")
                let value = try await manager.snapshotMetadataValue(try context.parameters.require("snapshot_id"), key: key, auth)
                return Self.respond(["meta": .object([key: .string(value)])])
            }
            router.put(path) { request, context in
                let auth = try Self.auth(context)
                let key = try context.parameters.require("key")
                let body = try await Self.body(request, context)
                guard let meta = body["meta"]?.objectValue else { throw BlockStorageErrors.badRequest("Malformed request body") }
                guard meta.count == 1 else { throw BlockStorageErrors.badRequest("Request body contains too many items") }
                guard let value = meta[key] else { throw BlockStorageErrors.badRequest("Request body and URI mismatch") }
                let pair = try Self.stringMap(JSONFields(["meta": .object([key: value])], name: "meta"), "meta") ?? [:]
                _ = try await manager.setSnapshotMetadata(try context.parameters.require("snapshot_id"), pair, replace: false, auth)
                return Self.respond(["meta": .object(pair.mapValues(JSONValue.string))])
            }
            router.delete(path) { _, context in
                let auth = try Self.auth(context)
                try await manager.deleteSnapshotMetadata(
                    try context.parameters.require("snapshot_id"), key: try context.parameters.require("key"), auth)
                return Response(status: .ok)
            }
        }
    }
}
