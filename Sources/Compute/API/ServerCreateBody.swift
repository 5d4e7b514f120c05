import Foundation
import StratusKit

/// Reads a `POST /servers` body as Nova's schema for the request's microversion does.
enum ServerCreateBody {
    static func parse(
        _ body: [String: JSONValue], version: Microversion
    ) throws -> ServerCreateRequest {
        let server = try ComputeBody(body, member: "server")
        var allowed: Set<String> = [
            "name", "imageRef", "flavorRef", "networks", "key_name", "user_data", "metadata", "availability_zone",
            "min_count", "max_count", "return_reservation_id", "security_groups", "config_drive", "accessIPv4",
            "accessIPv6", "adminPass", "block_device_mapping_v2", "OS-DCF:diskConfig",
        ]
        if version.isAtLeast(2, 19) { allowed.insert("description") }
        if version.isAtLeast(2, 52) { allowed.insert("tags") }
        if version.isAtLeast(2, 90) { allowed.insert("hostname") }
        if !version.isAtLeast(2, 57) { allowed.insert("personality") }
        if version.isAtLeast(2, 74) { allowed.formUnion(["host", "hypervisor_hostname"]) }
        try server.onlyAllow(allowed)
        guard let name = try server.string("name", minLength: 1, maxLength: 255, required: true) else {
            throw ComputeErrors.badRequest("'name' is a required property")
        }
        if name.trimmingCharacters(in: .whitespaces) != name {
            throw ComputeErrors.invalidInput("name", .string(name), "'\(name)' does not match '^(?! )[\\S ]*(?<! )$'")
        }
        guard let flavorRef = try reference(server, "flavorRef", required: true) else {
            throw ComputeErrors.badRequest("'flavorRef' is a required property")
        }
        let imageRef = try reference(server, "imageRef", required: false) ?? ""
        let blockDeviceMappings = try BlockDeviceMappingBody.parse(
            server.object["block_device_mapping_v2"], imageRefGiven: !imageRef.isEmpty, version: version)
        if imageRef.isEmpty, blockDeviceMappings.isEmpty { throw ComputeErrors.badRequest("Missing imageRef attribute") }
        let networks = try parseNetworks(server.object["networks"], version: version)
        var metadata: [String: String] = [:]
        if let value = server.object["metadata"] {
            guard let object = value.objectValue else {
                throw ComputeErrors.invalidInput("metadata", value, "\(value.jsonText()) is not of type 'object'")
            }
            for (key, item) in object {
                guard let text = item.stringValue else {
                    throw ComputeErrors.invalidInput("metadata", value, "\(item.jsonText()) is not of type 'string'")
                }
                guard !key.isEmpty, key.count <= 255, text.count <= 255 else {
                    throw ComputeErrors.invalidInput("metadata", value, "'\(key)' does not match any of the regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'")
                }
                metadata[key] = text
            }
        }
        let minCount = Int(try server.integer("min_count", minimum: 1) ?? 1)
        let maxCount = Int(try server.integer("max_count", minimum: 1) ?? Int64(minCount))
        guard minCount <= maxCount else {
            throw ComputeErrors.badRequest("min_count must be <= max_count")
        }
        var securityGroups: [String] = []
        if let value = server.object["security_groups"] {
            guard let list = value.arrayValue else {
                throw ComputeErrors.invalidInput("security_groups", value, "\(value.jsonText()) is not of type 'array'")
            }
            for item in list {
                guard let name = item.objectValue?["name"]?.stringValue, !name.isEmpty else {
                    throw ComputeErrors.invalidInput("security_groups", value, "'name' is a required property")
                }
                if !securityGroups.contains(name) { securityGroups.append(name) }
            }
        }
        var userData: String?
        if let text = try server.string("user_data", minLength: 0, maxLength: 65535) {
            guard Data(base64Encoded: text) != nil else {
                throw ComputeErrors.badRequest("User data needs to be valid base 64.")
            }
            userData = text
        }
        var tags: [String] = []
        if let value = server.object["tags"] {
            guard let list = value.arrayValue?.compactMap(\.stringValue), list.count == value.arrayValue?.count else {
                throw ComputeErrors.invalidInput("tags", value, "\(value.jsonText()) is not of type 'array'")
            }
            guard list.count <= 50 else { throw ComputeErrors.invalidInput("tags", value, "\(value.jsonText()) is too long") }
            for tag in list where tag.isEmpty || tag.count > 60 || tag.contains("/") || tag.contains(",") {
                throw ComputeErrors.invalidInput("tags", value, "'\(tag)' does not match '^[^,/]*$'")
            }
            tags = list
        }
        let description = try server.string("description", minLength: 0, maxLength: 255)
        var hostname = try server.string("hostname", minLength: 1, maxLength: 255)
        if let given = hostname, !given.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }) {
            throw ComputeErrors.invalidInput("hostname", .string(given), "'\(given)' does not match '^[a-zA-Z0-9-._]*$'")
        }
        if hostname != nil, maxCount > 1 {
            throw ComputeErrors.badRequest("Cannot specify 'hostname' with a max_count greater than 1")
        }
        hostname = hostname.map { $0.lowercased() }
        var request = ServerCreateRequest(
            name: name, description: description, hostname: hostname, flavorRef: flavorRef, imageRef: imageRef,
            networks: networks, keyName: try server.string("key_name", minLength: 1, maxLength: 255), userData: userData,
            metadata: metadata, availabilityZone: try server.string("availability_zone", minLength: 1, maxLength: 255),
            minCount: minCount, maxCount: maxCount,
            returnReservationID: try server.boolean("return_reservation_id") ?? false, securityGroups: securityGroups,
            schedulerHints: try parseHints(body["os:scheduler_hints"] ?? body["OS-SCH-HNT:scheduler_hints"]),
            configDrive: try server.boolean("config_drive") ?? false, tags: tags,
            accessIPv4: try server.string("accessIPv4", minLength: 0), accessIPv6: try server.string("accessIPv6", minLength: 0),
            adminPass: try server.string("adminPass", minLength: 0))
        request.blockDeviceMappings = blockDeviceMappings
        request.personality = try PersonalityBody.parse(server.object["personality"]) ?? []
        return request
    }

    /// A flavor or image reference: an id, or a link whose last path segment is the id.
    private static func reference(_ server: ComputeBody, _ key: String, required: Bool) throws -> String? {
        guard let text = try server.string(key, minLength: required ? 1 : 0, maxLength: 2048, required: required) else {
            return nil
        }
        guard text.contains("/") else { return text }
        return text.split(separator: "/").last.map(String.init) ?? text
    }

    private static func parseNetworks(_ value: JSONValue?, version: Microversion) throws -> ServerCreateRequest.Networks {
        guard let value else {
            if version.isAtLeast(2, 37) { throw ComputeErrors.badRequest("Invalid input for field/attribute server. Value: {}. 'networks' is a required property") }
            return .unspecified
        }
        if let text = value.stringValue {
            guard version.isAtLeast(2, 37), text == "auto" || text == "none" else {
                throw ComputeErrors.invalidInput("networks", value, "\(value.jsonText()) is not of type 'array'")
            }
            return text == "auto" ? .auto : .none
        }
        guard let list = value.arrayValue else {
            throw ComputeErrors.invalidInput("networks", value, "\(value.jsonText()) is not of type 'array'")
        }
        var requested: [RequestedNetwork] = []
        for item in list {
            guard let object = item.objectValue else {
                throw ComputeErrors.invalidInput("networks", value, "\(item.jsonText()) is not of type 'object'")
            }
            let network = object["uuid"]?.stringValue
            let port = object["port"]?.stringValue
            let fixedIP = object["fixed_ip"]?.stringValue
            if network == nil && port == nil {
                throw ComputeErrors.badRequest("Bad networks format: network uuid is not in proper format ()")
            }
            if let network, network != "auto", network != "none", UUIDText.isValid(network) == false {
                throw ComputeErrors.badRequest("Bad networks format: network uuid is not in proper format (\(network))")
            }
            if let fixedIP, IPAddressText.isValid(fixedIP) == false {
                throw ComputeErrors.badRequest("Invalid fixed IP address (\(fixedIP))")
            }
            requested.append(RequestedNetwork(networkID: port == nil ? network : nil, portID: port, fixedIP: fixedIP, tag: object["tag"]?.stringValue))
        }
        return .list(requested)
    }

    private static func parseHints(_ value: JSONValue?) throws -> SchedulerHints {
        guard let object = value?.objectValue else { return SchedulerHints() }
        func list(_ key: String) -> [String] {
            if let text = object[key]?.stringValue { return [text] }
            return object[key]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        return SchedulerHints(group: object["group"]?.stringValue, sameHost: list("same_host"), differentHost: list("different_host"))
    }
}

/// Syntax checks of the textual ids and addresses bodies carry.
enum UUIDText {
    static func isValid(_ text: String) -> Bool { UUID(uuidString: text) != nil || (text.count == 32 && text.allSatisfy(\.isHexDigit)) }
}

enum IPAddressText {
    static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 4 { return parts.allSatisfy { UInt8($0) != nil } }
        return text.contains(":") && text.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
    }
}
