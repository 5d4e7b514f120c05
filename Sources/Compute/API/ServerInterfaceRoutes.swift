import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `/servers/{id}/os-interface[/{port_id}]`: the server's ports, attach and detach.
    func registerServerInterfaces(on router: Router<StratusRequestContext>) {
        router.get("/v2.1/servers/{server_id}/os-interface") { _, context in
            let attachments = try await manager.serverInterfaces(
                try context.parameters.require("server_id"), try context.requireAuth())
            let showTag = Self.version(context).isAtLeast(2, 70)
            return Self.respond(["interfaceAttachments": .array(attachments.map { Self.interfaceJSON($0, showTag: showTag) })])
        }
        router.get("/v2.1/servers/{server_id}/os-interface/{port_id}") { _, context in
            let attachment = try await manager.serverInterface(
                try context.parameters.require("server_id"), portID: try context.parameters.require("port_id"),
                try context.requireAuth())
            return Self.respond(["interfaceAttachment": Self.interfaceJSON(attachment, showTag: Self.version(context).isAtLeast(2, 70))])
        }
        router.post("/v2.1/servers/{server_id}/os-interface") { request, context in
            let auth = try context.requireAuth()
            let version = Self.version(context)
            let body = try await Self.body(request, context)
            let request = try Self.interfaceAttachRequest(body, version: version)
            let attachment = try await manager.attachInterface(
                try context.parameters.require("server_id"), networkID: request.networkID, portID: request.portID,
                fixedIP: request.fixedIP, tag: request.tag, auth, requestID: context.requestID)
            return Self.respond(["interfaceAttachment": Self.interfaceJSON(attachment, showTag: version.isAtLeast(2, 70))])
        }
        router.delete("/v2.1/servers/{server_id}/os-interface/{port_id}") { _, context in
            try await manager.detachInterface(
                try context.parameters.require("server_id"), portID: try context.parameters.require("port_id"),
                try context.requireAuth(), requestID: context.requestID)
            return JSONResponse.empty(.accepted)
        }
    }

    /// The attach body of Nova's schema: `interfaceAttachment` with `net_id`, `port_id`, one
    /// `fixed_ips` entry and (2.49) `tag`; every member optional.
    static func interfaceAttachRequest(
        _ body: [String: JSONValue], version: Microversion
    ) throws -> (networkID: String?, portID: String?, fixedIP: String?, tag: String?) {
        if let extra = body.keys.filter({ $0 != "interfaceAttachment" }).sorted().first {
            throw ComputeErrors.badRequest(
                "Invalid input for field/attribute body. Value: \(JSONValue.object(body).jsonText()). Additional properties are not allowed ('\(extra)' was unexpected)")
        }
        guard body["interfaceAttachment"] != nil else { return (nil, nil, nil, nil) }
        let attachment = try ComputeBody(body, member: "interfaceAttachment")
        try attachment.onlyAllow(version.isAtLeast(2, 49) ? ["net_id", "port_id", "fixed_ips", "tag"] : ["net_id", "port_id", "fixed_ips"])
        func uuid(_ key: String) throws -> String? {
            guard let text = try attachment.string(key, minLength: 0) else { return nil }
            guard UUIDText.isValid(text) else {
                throw ComputeErrors.invalidInput(key, .string(text), "'\(text)' is not a 'uuid'")
            }
            return text
        }
        let networkID = try uuid("net_id")
        let portID = try uuid("port_id")
        var fixedIP: String?
        if let value = attachment.object["fixed_ips"] {
            guard let list = value.arrayValue, list.count == 1, let entry = list[0].objectValue,
                Set(entry.keys) == ["ip_address"], let address = entry["ip_address"]?.stringValue
            else {
                throw ComputeErrors.invalidInput(
                    "fixed_ips", value, "\(value.jsonText()) is not an array of exactly one object with an 'ip_address'")
            }
            guard IPAddressText.isValid(address) else {
                throw ComputeErrors.invalidInput("ip_address", .string(address), "'\(address)' is not a 'ip-address'")
            }
            fixedIP = address
        }
        let tag = try attachment.string("tag", minLength: 0, maxLength: 60)
        if let tag, tag.contains(",") || tag.contains("/") {
            throw ComputeErrors.invalidInput("tag", .string(tag), "'\(tag)' does not match '^[^,/]*$'")
        }
        return (networkID, portID, fixedIP, tag)
    }

    /// One `interfaceAttachment`: the port's network, id, MAC, status and addresses, and its
    /// device tag from 2.70.
    static func interfaceJSON(_ attachment: InterfaceAttachment, showTag: Bool) -> JSONValue {
        let port = attachment.port
        var object: [String: JSONValue] = [
            "net_id": .string(port.networkID), "port_id": .string(port.id), "mac_addr": .string(port.macAddress),
            "port_state": .string(port.status),
            "fixed_ips": .array(
                port.fixedIPs.map { address in
                    [
                        "ip_address": address.ipAddress.map(JSONValue.string) ?? .null,
                        "subnet_id": address.subnetID.map(JSONValue.string) ?? .null,
                    ]
                }),
        ]
        if showTag { object["tag"] = attachment.tag.map(JSONValue.string) ?? .null }
        return .object(object)
    }
}
