import Foundation
import SQLKit
import StratusKit

/// Instances and what hangs off them. Lists read each kind of data in one query for the
/// whole page (rows, then metadata, tags and faults of those rows).
extension ComputeQueries {
    private static let instanceColumns = [
        "uuid", "id", "project_id", "user_id", "display_name", "display_description", "hostname", "reservation_id",
        "launch_index", "image_ref", "flavor_json", "vcpus", "memory_mb", "root_gb", "ephemeral_gb", "old_flavor_json",
        "new_flavor_json", "image_properties_json", "key_name", "key_data", "user_data", "config_drive",
        "requested_availability_zone", "availability_zone", "request_json", "network_info_json", "host", "node",
        "launched_on", "vm_state", "task_state", "power_state", "locked_by", "locked_reason", "access_ip_v4",
        "access_ip_v6", "progress", "root_device_name", "created_at", "updated_at", "launched_at", "terminated_at",
        "deleted_at", "deleted",
    ]

    private static func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    static func encodeJSON<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(value)) ?? Data("null".utf8), as: UTF8.self)
    }

    private static func instance(_ row: any SQLRow) throws -> InstanceRecord {
        InstanceRecord(
            uuid: try row.string("uuid"), id: try row.decode(column: "id", as: Int64.self),
            projectID: try row.string("project_id"), userID: try row.string("user_id"),
            name: try row.string("display_name"), description: try row.optionalString("display_description"),
            hostname: try row.string("hostname"), reservationID: try row.string("reservation_id"),
            launchIndex: try row.int("launch_index"), imageRef: try row.string("image_ref"),
            flavor: try decodeJSON(InstanceFlavor.self, try row.string("flavor_json")),
            oldFlavor: try row.optionalString("old_flavor_json").map { try decodeJSON(InstanceFlavor.self, $0) },
            newFlavor: try row.optionalString("new_flavor_json").map { try decodeJSON(InstanceFlavor.self, $0) },
            imageProperties: try decodeJSON([String: String].self, try row.string("image_properties_json")),
            keyName: try row.optionalString("key_name"), keyData: try row.optionalString("key_data"),
            userData: try row.optionalString("user_data"), configDrive: try row.string("config_drive"),
            requestedAvailabilityZone: try row.optionalString("requested_availability_zone"),
            availabilityZone: try row.optionalString("availability_zone"),
            request: try decodeJSON(BuildRequest.self, try row.string("request_json")),
            networkInfo: try decodeJSON([InstanceVIF].self, try row.string("network_info_json")),
            host: try row.optionalString("host"), node: try row.optionalString("node"),
            launchedOn: try row.optionalString("launched_on"), vmState: try row.string("vm_state"),
            taskState: try row.optionalString("task_state"), powerState: try row.int("power_state"),
            lockedBy: try row.optionalString("locked_by"), lockedReason: try row.optionalString("locked_reason"),
            accessIPv4: try row.optionalString("access_ip_v4"), accessIPv6: try row.optionalString("access_ip_v6"),
            progress: try row.int("progress"), rootDeviceName: try row.optionalString("root_device_name"),
            createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0),
            updatedAt: try row.timestamp("updated_at") ?? Timestamp(microseconds: 0),
            launchedAt: try row.timestamp("launched_at"), terminatedAt: try row.timestamp("terminated_at"),
            deletedAt: try row.timestamp("deleted_at"), deleted: try row.bool("deleted"))
    }

    private static func values(_ instance: InstanceRecord) -> [any Encodable & Sendable] {
        [
            instance.uuid, instance.id, instance.projectID, instance.userID, instance.name, instance.description,
            instance.hostname, instance.reservationID, Int64(instance.launchIndex), instance.imageRef,
            encodeJSON(instance.flavor), Int64(instance.flavor.vcpus), Int64(instance.flavor.memoryMB),
            Int64(instance.flavor.rootGB), Int64(instance.flavor.ephemeralGB), instance.oldFlavor.map(encodeJSON),
            instance.newFlavor.map(encodeJSON), encodeJSON(instance.imageProperties), instance.keyName, instance.keyData,
            instance.userData, instance.configDrive, instance.requestedAvailabilityZone, instance.availabilityZone,
            encodeJSON(instance.request), encodeJSON(instance.networkInfo), instance.host, instance.node,
            instance.launchedOn, instance.vmState, instance.taskState, Int64(instance.powerState), instance.lockedBy,
            instance.lockedReason, instance.accessIPv4, instance.accessIPv6, Int64(instance.progress),
            instance.rootDeviceName, instance.createdAt.microseconds, instance.updatedAt.microseconds,
            instance.launchedAt?.microseconds, instance.terminatedAt?.microseconds, instance.deletedAt?.microseconds,
            instance.deleted,
        ]
    }

    func nextInstanceID() async throws -> Int64 { try await nextCounterValue("instances") }

    func insert(_ instance: InstanceRecord) async throws {
        try await sql.insert(into: "instances").columns(Self.instanceColumns)
            .values(Self.values(instance).map { SQLBind($0) }).run()
        try await setMetadata(instance.metadata, of: instance.uuid, replacing: true)
        for tag in Set(instance.tags) {
            try await sql.insert(into: "instance_tags").columns("instance_uuid", "tag")
                .values(SQLBind(instance.uuid), SQLBind(tag)).run()
        }
    }

    /// Writes every column of the instance (not its metadata or tags) and stamps `updated_at`.
    func save(_ instance: InstanceRecord) async throws {
        var instance = instance
        instance.updatedAt = Timestamp.now()
        var update = sql.update("instances")
        for (column, value) in zip(Self.instanceColumns, Self.values(instance)) where column != "uuid" {
            update = update.set(SQLIdentifier(column), to: SQLBind(value))
        }
        try await update.where("uuid", .equal, instance.uuid).run()
    }

    /// One server with its metadata and tags; deleted ones only when asked for.
    func instance(uuid: String, includeDeleted: Bool = false) async throws -> InstanceRecord? {
        var query = sql.select().columns(Self.instanceColumns).from("instances").where("uuid", .equal, uuid)
        if !includeDeleted { query = query.where("deleted", .equal, false) }
        guard var instance = try await query.first().map(Self.instance) else { return nil }
        instance.metadata = try await metadata(of: [uuid])[uuid] ?? [:]
        instance.tags = try await tags(of: [uuid])[uuid] ?? []
        return instance
    }

    /// The live servers among `uuids` (without metadata and tags), keyed by uuid; one query.
    func instances(uuids: [String]) async throws -> [String: InstanceRecord] {
        guard !uuids.isEmpty else { return [:] }
        let rows = try await sql.select().columns(Self.instanceColumns).from("instances")
            .where("uuid", .in, uuids).where("deleted", .equal, false).all()
        return Dictionary(try rows.map(Self.instance).map { ($0.uuid, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Holds the server's row until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite
    /// serializes writers already), so that two read-modify-writes of the same record, such
    /// as two interface detaches handled at once, cannot lose one another's change.
    func lockInstance(_ uuid: String) async throws {
        _ = try await sql.select().column("uuid").from("instances").where("uuid", .equal, uuid).for(.update).first()
    }

    /// Replaces only a server's network info (its cached ports and addresses), leaving the
    /// rest of the record to whoever else is writing it.
    func setNetworkInfo(uuid: String, _ networkInfo: [InstanceVIF]) async throws {
        try await sql.update("instances").set("network_info_json", to: Self.encodeJSON(networkInfo))
            .set("updated_at", to: Timestamp.now().microseconds).where("uuid", .equal, uuid).run()
    }

    /// Servers matching the filters SQL can apply; the caller applies the rest, sorts and pages.
    func instances(
        projectID: String?, includeDeleted: Bool, changedSince: Timestamp? = nil, host: String? = nil,
        vmStates: [String]? = nil, reservationID: String? = nil
    ) async throws -> [InstanceRecord] {
        var query = sql.select().columns(Self.instanceColumns).from("instances")
        if let projectID { query = query.where("project_id", .equal, projectID) }
        if !includeDeleted { query = query.where("deleted", .equal, false) }
        if let changedSince { query = query.where("updated_at", .greaterThanOrEqual, changedSince.microseconds) }
        if let host { query = query.where("host", .equal, host) }
        if let vmStates { query = query.where("vm_state", .in, vmStates) }
        if let reservationID { query = query.where("reservation_id", .equal, reservationID) }
        return try await query.all().map(Self.instance)
    }

    /// Fills in metadata and tags of the given servers (one query each).
    func attachDetails(_ instances: inout [InstanceRecord]) async throws {
        let uuids = instances.map(\.uuid)
        guard !uuids.isEmpty else { return }
        let metadata = try await metadata(of: uuids)
        let tags = try await tags(of: uuids)
        for index in instances.indices {
            instances[index].metadata = metadata[instances[index].uuid] ?? [:]
            instances[index].tags = tags[instances[index].uuid] ?? []
        }
    }

    // MARK: Metadata and tags

    func metadata(of uuids: [String]) async throws -> [String: [String: String]] {
        var result: [String: [String: String]] = [:]
        for row in try await sql.select().columns("instance_uuid", "key", "value").from("instance_metadata")
            .where("instance_uuid", .in, uuids).all()
        {
            result[try row.string("instance_uuid"), default: [:]][try row.string("key")] = try row.string("value")
        }
        return result
    }

    /// Sets each key (and with `replacing`, removes the keys not given).
    func setMetadata(_ metadata: [String: String], of uuid: String, replacing: Bool) async throws {
        if replacing {
            try await sql.delete(from: "instance_metadata").where("instance_uuid", .equal, uuid).run()
        }
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            if !replacing {
                try await sql.delete(from: "instance_metadata").where("instance_uuid", .equal, uuid)
                    .where("key", .equal, key).run()
            }
            try await sql.insert(into: "instance_metadata").columns("instance_uuid", "key", "value")
                .values(SQLBind(uuid), SQLBind(key), SQLBind(value)).run()
        }
    }

    func deleteMetadataKey(_ key: String, of uuid: String) async throws {
        try await sql.delete(from: "instance_metadata").where("instance_uuid", .equal, uuid).where("key", .equal, key).run()
    }

    func tags(of uuids: [String]) async throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        for row in try await sql.select().columns("instance_uuid", "tag").from("instance_tags")
            .where("instance_uuid", .in, uuids).orderBy("tag").all()
        {
            result[try row.string("instance_uuid"), default: []].append(try row.string("tag"))
        }
        return result
    }

    func setTags(_ tags: [String], of uuid: String) async throws {
        try await sql.delete(from: "instance_tags").where("instance_uuid", .equal, uuid).run()
        for tag in Set(tags) {
            try await sql.insert(into: "instance_tags").columns("instance_uuid", "tag")
                .values(SQLBind(uuid), SQLBind(tag)).run()
        }
    }

    func addTag(_ tag: String, to uuid: String) async throws {
        try await sql.delete(from: "instance_tags").where("instance_uuid", .equal, uuid).where("tag", .equal, tag).run()
        try await sql.insert(into: "instance_tags").columns("instance_uuid", "tag").values(SQLBind(uuid), SQLBind(tag)).run()
    }

    func removeTag(_ tag: String, from uuid: String) async throws {
        try await sql.delete(from: "instance_tags").where("instance_uuid", .equal, uuid).where("tag", .equal, tag).run()
    }

    // MARK: Faults

    func addFault(_ fault: InstanceFault) async throws {
        let id = try await nextCounterValue("instance_faults")
        try await sql.insert(into: "instance_faults")
            .columns("id", "instance_uuid", "code", "message", "details", "host", "created_at")
            .values(
                SQLBind(id), SQLBind(fault.instanceUUID), SQLBind(Int64(fault.code)), SQLBind(fault.message),
                SQLBind(fault.details), SQLBind(fault.host), SQLBind(fault.createdAt.microseconds)
            ).run()
    }

    /// The latest fault of each of the given servers.
    func latestFaults(of uuids: [String]) async throws -> [String: InstanceFault] {
        guard !uuids.isEmpty else { return [:] }
        var result: [String: InstanceFault] = [:]
        for row in try await sql.select().columns("instance_uuid", "code", "message", "details", "host", "created_at")
            .from("instance_faults").where("instance_uuid", .in, uuids).orderBy("id").all()
        {
            let fault = InstanceFault(
                instanceUUID: try row.string("instance_uuid"), code: try row.int("code"), message: try row.string("message"),
                details: try row.string("details"), host: try row.optionalString("host"),
                createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0))
            result[fault.instanceUUID] = fault
        }
        return result
    }
}
