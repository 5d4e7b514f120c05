import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `/servers/{id}/os-volume_attachments[/{volume_id}]`: the server's volumes, attach,
    /// update and detach.
    func registerVolumeAttachments(on router: Router<StratusRequestContext>) {
        router.get("/v2.1/servers/{server_id}/os-volume_attachments") { request, context in
            let version = Self.version(context)
            let mappings = try await manager.volumeAttachments(
                try context.parameters.require("server_id"), try context.requireAuth())
            let page = try Self.limitAndOffset(request, version: version)
            var shown = mappings
            if version.isAtLeast(2, 89) { shown = shown.filter { $0.attachmentID != nil } }
            shown = Array(shown.dropFirst(page.offset).prefix(page.limit ?? Int.max))
            return Self.respond(["volumeAttachments": .array(shown.map { Self.volumeAttachmentJSON($0, version: version) })])
        }
        router.get("/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}") { _, context in
            let version = Self.version(context)
            let serverID = try context.parameters.require("server_id")
            let volumeID = try context.parameters.require("volume_id")
            let mapping = try await manager.volumeAttachment(serverID, volumeID: volumeID, try context.requireAuth())
            if version.isAtLeast(2, 89), mapping.attachmentID == nil {
                throw ComputeErrors.notFound("Instance \(serverID) is not attached to volume \(volumeID)")
            }
            return Self.respond(["volumeAttachment": Self.volumeAttachmentJSON(mapping, version: version)])
        }
        router.post("/v2.1/servers/{server_id}/os-volume_attachments") { request, context in
            let auth = try context.requireAuth()
            let version = Self.version(context)
            let attach = try Self.volumeAttachRequest(try await Self.body(request, context), version: version)
            let mapping = try await manager.attachVolume(
                try context.parameters.require("server_id"), attach, auth, token: Self.callerToken(request), version: version,
                requestID: context.requestID)
            // As Nova's create view: always `id`, and the fields of the microversion.
            var body: [String: JSONValue] = [
                "id": .string(attach.volumeID), "serverId": .string(mapping.instanceUUID), "volumeId": .string(attach.volumeID),
                "device": mapping.deviceName.map(JSONValue.string) ?? .null,
            ]
            if version.isAtLeast(2, 70) { body["tag"] = mapping.tag.map(JSONValue.string) ?? .null }
            if version.isAtLeast(2, 79) { body["delete_on_termination"] = .bool(mapping.deleteOnTermination) }
            return Self.respond(["volumeAttachment": .object(body)])
        }
        router.put("/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}") { request, context in
            let auth = try context.requireAuth()
            let version = Self.version(context)
            let update = try Self.volumeAttachmentUpdate(try await Self.body(request, context), version: version)
            try await manager.updateVolumeAttachment(
                try context.parameters.require("server_id"), volumeID: try context.parameters.require("volume_id"), update,
                auth, token: Self.callerToken(request), version: version)
            return JSONResponse.empty(.accepted)
        }
        router.delete("/v2.1/servers/{server_id}/os-volume_attachments/{volume_id}") { request, context in
            try await manager.detachVolume(
                try context.parameters.require("server_id"), volumeID: try context.parameters.require("volume_id"),
                try context.requireAuth(), token: Self.callerToken(request), version: Self.version(context),
                requestID: context.requestID)
            return JSONResponse.empty(.accepted)
        }
    }

    /// The caller's own token, which Compute passes on to Block Storage.
    static func callerToken(_ request: Request) -> String? {
        request.headers[AuthMiddleware.tokenHeader]
    }

    /// One `volumeAttachment` as Nova's view renders a mapping for the microversion: `id`
    /// (the volume's) until 2.89, then `attachment_id` and `bdm_uuid`; `tag` from 2.70,
    /// `delete_on_termination` from 2.79.
    static func volumeAttachmentJSON(_ mapping: BlockDeviceRecord, version: Microversion) -> JSONValue {
        var object: [String: JSONValue] = [
            "volumeId": mapping.volumeID.map(JSONValue.string) ?? .null, "serverId": .string(mapping.instanceUUID),
        ]
        if !version.isAtLeast(2, 89) { object["id"] = mapping.volumeID.map(JSONValue.string) ?? .null }
        if let device = mapping.deviceName { object["device"] = .string(device) }
        if version.isAtLeast(2, 70) { object["tag"] = mapping.tag.map(JSONValue.string) ?? .null }
        if version.isAtLeast(2, 79) { object["delete_on_termination"] = .bool(mapping.deleteOnTermination) }
        if version.isAtLeast(2, 89) {
            object["attachment_id"] = mapping.attachmentID.map(JSONValue.string) ?? .null
            object["bdm_uuid"] = .string(mapping.uuid)
        }
        return .object(object)
    }

    /// `limit` and `offset` (non-negative integers); from 2.75 nothing else is accepted.
    static func limitAndOffset(_ request: Request, version: Microversion) throws -> (limit: Int?, offset: Int) {
        var limit: Int?
        var offset = 0
        for (key, value) in request.uri.queryParameters {
            let name = String(key)
            switch name {
            case "limit", "offset":
                guard let number = Int(String(value)), number >= 0 else {
                    throw ComputeErrors.invalidInput(name, .string(String(value)), "'\(value)' is not a non-negative integer")
                }
                if name == "limit" { limit = number } else { offset = number }
            default:
                if version.isAtLeast(2, 75) {
                    throw ComputeErrors.badRequest(
                        "Invalid input for query parameters \(name). Value: \(value). Additional properties are not allowed ('\(name)' was unexpected)")
                }
            }
        }
        return (limit, offset)
    }

    /// The attach body of Nova's schema for the microversion: `volumeId` (a uuid), `device`,
    /// `tag` from 2.49, `delete_on_termination` from 2.79.
    static func volumeAttachRequest(_ body: [String: JSONValue], version: Microversion) throws -> VolumeAttachRequest {
        try onlyVolumeAttachmentMember(body)
        let attachment = try ComputeBody(body, member: "volumeAttachment")
        var allowed: Set<String> = ["volumeId", "device"]
        if version.isAtLeast(2, 49) { allowed.insert("tag") }
        if version.isAtLeast(2, 79) { allowed.insert("delete_on_termination") }
        try attachment.onlyAllow(allowed)
        return VolumeAttachRequest(
            volumeID: try volumeID(attachment), device: try device(attachment) ?? nil, tag: try tag(attachment) ?? nil,
            deleteOnTermination: try attachment.boolean("delete_on_termination") ?? false)
    }

    /// The update body: `volumeId` (required); from 2.85 also the fields that may not
    /// change (`id`, `serverId`, `device`, `tag`) and `delete_on_termination`.
    static func volumeAttachmentUpdate(_ body: [String: JSONValue], version: Microversion) throws -> VolumeAttachmentUpdate {
        try onlyVolumeAttachmentMember(body)
        let attachment = try ComputeBody(body, member: "volumeAttachment")
        if version.isAtLeast(2, 85) {
            try attachment.onlyAllow(["volumeId", "device", "tag", "delete_on_termination", "serverId", "id"])
        } else {
            try attachment.onlyAllow(["volumeId"])
        }
        return VolumeAttachmentUpdate(
            newVolumeID: try volumeID(attachment), serverID: try attachment.string("serverId", minLength: 0),
            attachmentID: try attachment.string("id", minLength: 0), device: try device(attachment), tag: try tag(attachment),
            deleteOnTermination: try attachment.boolean("delete_on_termination"))
    }

    private static func onlyVolumeAttachmentMember(_ body: [String: JSONValue]) throws {
        if let extra = body.keys.filter({ $0 != "volumeAttachment" }).sorted().first {
            throw ComputeErrors.badRequest(
                "Invalid input for field/attribute body. Value: \(JSONValue.object(body).jsonText()). Additional properties are not allowed ('\(extra)' was unexpected)")
        }
    }

    private static func volumeID(_ attachment: ComputeBody) throws -> String {
        guard let value = attachment.object["volumeId"] else {
            throw ComputeErrors.badRequest(
                "Invalid input for field/attribute volumeAttachment. Value: \(JSONValue.object(attachment.object).jsonText()). 'volumeId' is a required property")
        }
        guard let text = value.stringValue else {
            throw ComputeErrors.invalidInput("volumeId", value, "\(value.jsonText()) is not of type 'string'")
        }
        guard UUIDText.isValid(text) else { throw ComputeErrors.invalidInput("volumeId", value, "'\(text)' is not a 'uuid'") }
        return text
    }

    /// `device`: absent (nil), null (.some(nil)) or a path Nova's pattern accepts.
    private static func device(_ attachment: ComputeBody) throws -> String?? {
        guard let value = attachment.object["device"] else { return nil }
        if value.isNull { return .some(nil) }
        guard let text = value.stringValue else {
            throw ComputeErrors.invalidInput("device", value, "\(value.jsonText()) is not of type 'string', 'null'")
        }
        guard DeviceNames.isValid(text) else {
            throw ComputeErrors.invalidInput(
                "device", value, "'\(text)' does not match '(^/dev/x{0,1}[a-z]{0,1}d{0,1})([a-z]+)[0-9]*$'")
        }
        return .some(text)
    }

    private static func tag(_ attachment: ComputeBody) throws -> String?? {
        guard attachment.has("tag") else { return nil }
        let tag = try attachment.string("tag", minLength: 1, maxLength: 60)
        if let tag, tag.contains(",") || tag.contains("/") {
            throw ComputeErrors.invalidInput("tag", .string(tag), "'\(tag)' does not match '^[^,/]*$'")
        }
        return .some(tag)
    }
}
