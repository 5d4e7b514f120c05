import StratusKit

/// Renders images, members and tasks as Glance's v2 API shows them.
enum ImageWire {
    static func time(_ timestamp: Timestamp) -> JSONValue { .string(timestamp.iso8601Seconds) }

    static func optionalInt(_ value: Int64?) -> JSONValue { value.map(JSONValue.int) ?? .null }

    /// The image body: custom properties at the top level beside the core attributes;
    /// unset core attributes are null; `stores` names the store once data is stored
    /// (as Glance shows it with its stores listed in `/v2/info/stores`).
    static func image(_ image: ImageRecord) -> JSONValue {
        var body: [String: JSONValue] = [:]
        for (name, value) in image.properties { body[name] = .string(value) }
        body["id"] = .string(image.id)
        body["name"] = .optional(image.name)
        body["status"] = .string(image.status.rawValue)
        body["visibility"] = .string(image.visibility.rawValue)
        body["owner"] = .optional(image.owner)
        body["disk_format"] = .optional(image.diskFormat)
        body["container_format"] = .optional(image.containerFormat)
        body["size"] = optionalInt(image.size)
        body["virtual_size"] = optionalInt(image.virtualSize)
        body["checksum"] = .optional(image.checksum)
        body["os_hash_algo"] = .optional(image.osHashAlgo)
        body["os_hash_value"] = .optional(image.osHashValue)
        body["min_disk"] = .int(image.minDisk)
        body["min_ram"] = .int(image.minRAM)
        body["protected"] = .bool(image.protected)
        body["os_hidden"] = .bool(image.osHidden)
        body["tags"] = .array(image.tags.map(JSONValue.string))
        body["created_at"] = time(image.createdAt)
        body["updated_at"] = time(image.updatedAt)
        body["self"] = .string("/v2/images/\(image.id)")
        body["file"] = .string("/v2/images/\(image.id)/file")
        body["schema"] = "/v2/schemas/image"
        if let storeID = image.storeID, image.location != nil { body["stores"] = .string(storeID) }
        return .object(body)
    }

    static func member(_ member: MemberRecord) -> JSONValue {
        [
            "image_id": .string(member.imageID), "member_id": .string(member.memberID),
            "status": .string(member.status.rawValue), "created_at": time(member.createdAt),
            "updated_at": time(member.updatedAt), "schema": "/v2/schemas/member",
        ]
    }

    static func members(_ members: [MemberRecord]) -> JSONValue {
        ["members": .array(members.map(member)), "schema": "/v2/schemas/members"]
    }

    static func task(_ task: TaskRecord) -> JSONValue {
        [
            "id": .string(task.id), "type": .string(task.type), "status": .string(task.status.rawValue),
            "owner": .string(task.owner), "input": task.input, "result": task.result ?? .null,
            "message": .string(task.message), "image_id": .optional(task.imageID), "user_id": .optional(task.userID),
            "request_id": .optional(task.requestID), "expires_at": task.expiresAt.map(time) ?? .null,
            "created_at": time(task.createdAt), "updated_at": time(task.updatedAt),
            "self": .string("/v2/tasks/\(task.id)"), "schema": "/v2/schemas/task",
        ]
    }
}
