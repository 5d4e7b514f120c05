import Hummingbird
import StratusKit

extension BlockStorageAPI {
    /// `/attachments` (3.27+): create, list (summary and detail), show, update with a
    /// connector, complete (3.44) and delete.
    func registerAttachments(on router: Router<StratusRequestContext>) {
        for path in Self.paths("/attachments") {
            router.post(path) { request, context in
                try Self.require(context, 3, 27)
                let auth = try Self.auth(context)
                let fields = try Self.member(try await Self.body(request, context), "attachment")
                var allowed: Set<String> = ["volume_uuid", "instance_uuid", "connector"]
                if Self.version(context).isAtLeast(3, 54) { allowed.insert("mode") }
                if let extra = fields.object.keys.filter({ !allowed.contains($0) }).sorted().first {
                    throw BlockStorageErrors.badRequest(
                        "Invalid input for field/attribute attachment. Value: \(JSONValue.object(fields.object).jsonText()). Additional properties are not allowed ('\(extra)' was unexpected)")
                }
                guard let volumeID = try fields.string("volume_uuid") else {
                    throw BlockStorageErrors.badRequest("Invalid input for field/attribute attachment. 'volume_uuid' is a required property")
                }
                let mode = try fields.string("mode")
                if let mode, mode != "rw", mode != "ro" {
                    throw BlockStorageErrors.invalidField("mode", .string(mode), "'\(mode)' is not one of ['rw', 'ro']")
                }
                let connector = fields.object["connector"].flatMap { $0.isNull ? nil : $0 }
                let attachment = try await manager.createAttachment(
                    volumeID: volumeID, instanceUUID: try fields.string("instance_uuid"), connector: connector, mode: mode, auth,
                    requestID: context.requestID)
                return Self.respond(["attachment": attachmentDetail(attachment)])
            }
            router.get(path) { request, context in try await listAttachments(request, context, detailed: false) }
        }
        for path in Self.paths("/attachments/detail") {
            router.get(path) { request, context in try await listAttachments(request, context, detailed: true) }
        }
        for path in Self.paths("/attachments/{attachment_id}") {
            router.get(path) { _, context in
                try Self.require(context, 3, 27)
                let attachment = try await manager.visibleAttachment(
                    try context.parameters.require("attachment_id"), try Self.auth(context), rule: "volume:attachment_get")
                return Self.respond(["attachment": attachmentDetail(attachment)])
            }
            router.put(path) { request, context in
                try Self.require(context, 3, 27)
                let auth = try Self.auth(context)
                let fields = try Self.member(try await Self.body(request, context), "attachment")
                guard let connector = fields.object["connector"], let object = connector.objectValue, !object.isEmpty else {
                    throw BlockStorageErrors.badRequest("Invalid input for field/attribute attachment. 'connector' is a required property")
                }
                let attachment = try await manager.updateAttachment(
                    try context.parameters.require("attachment_id"), connector: connector, auth, requestID: context.requestID)
                return Self.respond(["attachment": attachmentDetail(attachment)])
            }
            router.delete(path) { _, context in
                try Self.require(context, 3, 27)
                let remaining = try await manager.deleteAttachment(
                    try context.parameters.require("attachment_id"), try Self.auth(context), requestID: context.requestID)
                return Self.respond(["attachments": .array(remaining.map(attachmentSummary))])
            }
        }
        for path in Self.paths("/attachments/{attachment_id}/action") {
            router.post(path) { request, context in
                try Self.require(context, 3, 44)
                let body = try await Self.body(request, context)
                guard body.keys.contains("os-complete") else {
                    throw BlockStorageErrors.badRequest("There is no such action: \(body.keys.sorted().first ?? "")")
                }
                try await manager.completeAttachment(try context.parameters.require("attachment_id"), try Self.auth(context))
                return Response(status: .noContent)
            }
        }
    }

    private func listAttachments(_ request: Request, _ context: StratusRequestContext, detailed: Bool) async throws -> Response {
        try Self.require(context, 3, 27)
        let auth = try Self.auth(context)
        let attachments = try await manager.listAttachments(
            auth, allProjects: try Self.flag(request.query("all_tenants").map(JSONValue.string), "all_tenants") ?? false,
            volumeID: request.query("volume_id"), instanceID: request.query("instance_id") ?? request.query("instance_uuid"),
            status: request.query("status") ?? request.query("attach_status"))
        return Self.respond(["attachments": .array(attachments.map { detailed ? attachmentDetail($0) : attachmentSummary($0) })])
    }

    func attachmentSummary(_ attachment: AttachmentRecord) -> JSONValue {
        [
            "id": .string(attachment.id), "status": .string(attachment.attachStatus),
            "instance": attachment.instanceUUID.map(JSONValue.string) ?? .null, "volume_id": .string(attachment.volumeID),
        ]
    }

    func attachmentDetail(_ attachment: AttachmentRecord) -> JSONValue {
        var body = attachmentSummary(attachment).objectValue ?? [:]
        body["attached_at"] = .string(attachment.attachTime?.iso8601NoZone ?? "")
        body["detached_at"] = .string(attachment.detachTime?.iso8601NoZone ?? "")
        body["attach_mode"] = .string(attachment.attachMode)
        body["connection_info"] = attachment.connectionInfo ?? .object([:])
        return .object(body)
    }
}
