import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `/servers/{id}/metadata` and `/servers/{id}/tags` (2.26+).
    func registerServerMetadata(on router: Router<StratusRequestContext>) {
        router.get("/v2.1/servers/{server_id}/metadata") { _, context in
            let metadata = try await manager.serverMetadata(try context.parameters.require("server_id"), try context.requireAuth())
            return Self.respond(["metadata": Self.stringObject(metadata)])
        }
        router.post("/v2.1/servers/{server_id}/metadata") { request, context in
            let metadata = try Self.metadataBody(try await Self.body(request, context), key: "metadata")
            let result = try await manager.setServerMetadata(
                try context.parameters.require("server_id"), metadata, replacing: false, try context.requireAuth())
            return Self.respond(["metadata": Self.stringObject(result)])
        }
        router.put("/v2.1/servers/{server_id}/metadata") { request, context in
            let metadata = try Self.metadataBody(try await Self.body(request, context), key: "metadata")
            let result = try await manager.setServerMetadata(
                try context.parameters.require("server_id"), metadata, replacing: true, try context.requireAuth())
            return Self.respond(["metadata": Self.stringObject(result)])
        }
        router.get("/v2.1/servers/{server_id}/metadata/{key}") { _, context in
            let key = try context.parameters.require("key")
            let metadata = try await manager.serverMetadata(try context.parameters.require("server_id"), try context.requireAuth())
            guard let value = metadata[key] else { throw ComputeErrors.notFound("Metadata item was not found") }
            return Self.respond(["meta": [key: .string(value)]])
        }
        router.put("/v2.1/servers/{server_id}/metadata/{key}") { request, context in
            let key = try context.parameters.require("key")
            let meta = try Self.metadataBody(try await Self.body(request, context), key: "meta")
            guard meta.count == 1 else { throw ComputeErrors.badRequest("Request body contains too many items") }
            guard meta[key] != nil else { throw ComputeErrors.badRequest("Request body and URI mismatch") }
            _ = try await manager.setServerMetadata(
                try context.parameters.require("server_id"), meta, replacing: false, try context.requireAuth())
            return Self.respond(["meta": Self.stringObject(meta)])
        }
        router.delete("/v2.1/servers/{server_id}/metadata/{key}") { _, context in
            try await manager.deleteServerMetadata(
                try context.parameters.require("server_id"), key: try context.parameters.require("key"),
                try context.requireAuth())
            return JSONResponse.empty(.noContent)
        }
        router.get("/v2.1/servers/{server_id}/tags") { _, context in
            try Self.require(context, 2, 26)
            let tags = try await manager.serverTags(try context.parameters.require("server_id"), try context.requireAuth())
            return Self.respond(["tags": .array(tags.map { .string($0) })])
        }
        router.put("/v2.1/servers/{server_id}/tags") { request, context in
            try Self.require(context, 2, 26)
            let body = try await Self.body(request, context)
            guard let list = body["tags"]?.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                throw ComputeErrors.badRequest("'tags' is a required property")
            }
            let tags = Set(list.compactMap(\.stringValue))
            for tag in tags { try Self.validateTag(tag) }
            let result = try await manager.changeServerTags(
                try context.parameters.require("server_id"), rule: "os_compute_api:os-server-tags:update_all",
                try context.requireAuth()) { _ in tags }
            return Self.respond(["tags": .array(result.map { .string($0) })])
        }
        router.delete("/v2.1/servers/{server_id}/tags") { _, context in
            try Self.require(context, 2, 26)
            _ = try await manager.changeServerTags(
                try context.parameters.require("server_id"), rule: "os_compute_api:os-server-tags:delete_all",
                try context.requireAuth()) { _ in [] }
            return JSONResponse.empty(.noContent)
        }
        router.get("/v2.1/servers/{server_id}/tags/{tag}") { _, context in
            try Self.require(context, 2, 26)
            let tag = try context.parameters.require("tag")
            let tags = try await manager.serverTags(try context.parameters.require("server_id"), try context.requireAuth())
            guard tags.contains(tag) else { throw ComputeErrors.notFound("Tag \(tag) could not be found.") }
            return JSONResponse.empty(.noContent)
        }
        router.put("/v2.1/servers/{server_id}/tags/{tag}") { _, context in
            try Self.require(context, 2, 26)
            let uuid = try context.parameters.require("server_id")
            let tag = try context.parameters.require("tag")
            try Self.validateTag(tag)
            let before = try await manager.serverTags(uuid, try context.requireAuth())
            _ = try await manager.changeServerTags(uuid, rule: "os_compute_api:os-server-tags:update", try context.requireAuth()) {
                $0.union([tag])
            }
            if before.contains(tag) { return JSONResponse.empty(.noContent) }
            var response = JSONResponse.empty(.created)
            response.headers[.location] = "\(versionedURL)/servers/\(uuid)/tags/\(tag)"
            return response
        }
        router.delete("/v2.1/servers/{server_id}/tags/{tag}") { _, context in
            try Self.require(context, 2, 26)
            let tag = try context.parameters.require("tag")
            _ = try await manager.changeServerTags(
                try context.parameters.require("server_id"), rule: "os_compute_api:os-server-tags:delete",
                try context.requireAuth()) { tags in
                guard tags.contains(tag) else { throw ComputeErrors.notFound("Tag \(tag) could not be found.") }
                return tags.subtracting([tag])
            }
            return JSONResponse.empty(.noContent)
        }
    }

    static func stringObject(_ values: [String: String]) -> JSONValue { .object(values.mapValues { .string($0) }) }

    static func validateTag(_ tag: String) throws {
        if tag.isEmpty || tag.count > 60 || tag.contains("/") || tag.contains(",") {
            throw ComputeErrors.badRequest("Invalid input for field/attribute tags. Value: \(tag). '\(tag)' does not match '^[^,/]*$'")
        }
    }

    /// `{"metadata": {"k": "v"}}` (or `meta`) with string values of at most 255 characters.
    static func metadataBody(_ body: [String: JSONValue], key: String) throws -> [String: String] {
        guard let value = body[key] else { throw ComputeErrors.badRequest("'\(key)' is a required property") }
        guard let object = value.objectValue else {
            throw ComputeErrors.invalidInput(key, value, "\(value.jsonText()) is not of type 'object'")
        }
        var result: [String: String] = [:]
        for (name, item) in object {
            guard let text = item.stringValue else {
                throw ComputeErrors.invalidInput(key, value, "\(item.jsonText()) is not of type 'string'")
            }
            guard !name.isEmpty, name.count <= 255, text.count <= 255 else {
                throw ComputeErrors.invalidInput(key, value, "'\(name)' does not match any of the regexes")
            }
            result[name] = text
        }
        return result
    }
}
