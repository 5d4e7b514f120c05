import Foundation
import StratusKit

/// The attachments API (3.27+), the way Nova attaches volumes: create reserves the volume
/// (and connects it when a connector is given), update connects it for the host the
/// connector names (the owning agent's `initialize_connection`), complete marks it in use,
/// delete disconnects it and frees the volume once no attachment is left.
extension BlockStorageManager {
    func visibleAttachment(_ id: String, _ auth: AuthContext, rule: String) async throws -> AttachmentRecord {
        guard let attachment = try await read({ try await $0.attachment(id: id) }),
            policy.isAdmin(auth) || attachment.projectID == auth.projectID
        else { throw BlockStorageErrors.notFound("Volume attachment could not be found with filter: attachment_id = \(id).") }
        try policy.enforce(rule, auth, projectID: attachment.projectID)
        return attachment
    }

    func listAttachments(_ auth: AuthContext, allProjects: Bool, volumeID: String?, instanceID: String?, status: String?)
        async throws -> [AttachmentRecord]
    {
        try policy.enforce("volume:attachment_get_all", auth)
        let project = allProjects && policy.isAdmin(auth) ? nil : auth.projectID
        return try await read { queries in
            try await queries.attachments(projectID: project, volumeID: volumeID, instanceID: instanceID, status: status)
        }
    }

    /// Reserves the volume for an instance; with a connector, connects it at once.
    func createAttachment(
        volumeID: String, instanceUUID: String?, connector: JSONValue?, mode: String?, _ auth: AuthContext, requestID: String
    ) async throws -> AttachmentRecord {
        let volume = try await visibleVolume(volumeID, auth, rule: "volume:attachment_create")
        let attachment: AttachmentRecord = try await write { queries in
            guard let current = try await queries.volume(id: volume.id, forUpdate: true, kind: self.database.kind) else {
                throw BlockStorageErrors.volumeNotFound(volumeID)
            }
            if current.status.contains("error") {
                throw BlockStorageErrors.invalidVolume(
                    "Volume attachments can not be created if the volume is in an error state. The Volume \(current.id) currently has a status of: \(current.status) ")
            }
            var allowed: Set<String> = [VolumeStatus.available, VolumeStatus.downloading]
            if current.multiattach { allowed.formUnion([VolumeStatus.inUse, VolumeStatus.reserved, VolumeStatus.attaching]) }
            guard allowed.contains(current.status) else {
                throw BlockStorageErrors.invalidVolume(
                    "Volume \(current.id) status must be \(current.multiattach ? "available, downloading or in-use" : "available or downloading") to reserve, but the current status is \(current.status).")
            }
            let attachment = AttachmentRecord(
                id: UUID().uuidString.lowercased(), volumeID: current.id, projectID: current.projectID,
                instanceUUID: instanceUUID, attachedHost: nil, mountpoint: nil, attachStatus: "reserved",
                attachMode: mode ?? (current.readonly ? "ro" : "null"), connector: nil, connectionInfo: nil,
                attachTime: nil, detachTime: nil, createdAt: .now(), updatedAt: nil)
            try await queries.insert(attachment)
            if current.status == VolumeStatus.available || current.status == VolumeStatus.downloading {
                try await queries.updateVolume(current.id, ["status": VolumeStatus.reserved, "attach_status": "reserved"])
            }
            return attachment
        }
        guard let connector else { return attachment }
        return try await connect(attachment.id, connector: connector, auth, requestID: requestID)
    }

    /// Connects the attachment for the connector's host: the owning agent's driver gives the
    /// connection info; the attachment and volume become `attaching`.
    func updateAttachment(_ id: String, connector: JSONValue, _ auth: AuthContext, requestID: String) async throws
        -> AttachmentRecord
    {
        _ = try await visibleAttachment(id, auth, rule: "volume:attachment_update")
        return try await connect(id, connector: connector, auth, requestID: requestID)
    }

    private func connect(_ id: String, connector: JSONValue, _ auth: AuthContext, requestID: String) async throws
        -> AttachmentRecord
    {
        guard let attachment = try await read({ try await $0.attachment(id: id) }),
            let volume = try await read({ try await $0.volume(id: attachment.volumeID) })
        else { throw BlockStorageErrors.attachmentNotFound(id) }
        if volume.status.contains("error") {
            throw BlockStorageErrors.conflict(
                "Resource conflict: Volume attachments can not be updated if the volume is in an error state. The Volume \(volume.id) currently has a status of: \(volume.status) ")
        }
        if !volume.multiattach,
            volume.attachments.contains(where: { $0.id != id && $0.connectionInfo != nil && $0.attachStatus != "detached" })
        {
            throw BlockStorageErrors.conflict("Resource conflict: duplicate connectors detected on volume \(volume.id)")
        }
        guard let serviceHost = volume.serviceHost else {
            throw BlockStorageErrors.invalidVolume("Volume \(volume.id) has no back end to connect to.")
        }
        let answer: JSONValue
        do {
            answer = try await requireBackends().bus.call(
                VolumeRPC.volume(serviceHost: serviceHost), method: VolumeRPC.Method.initializeConnection,
                args: ["volume_id": .string(volume.id), "connector": connector],
                context: MessagingContext(auth: auth, requestID: requestID), timeout: .seconds(60))
        } catch {
            logger.warning("initialize_connection failed", metadata: ["volume": "\(volume.id)", "error": "\(error)"])
            throw APIError(.internalServerError, "Unable to create attachment for volume.")
        }
        var info = answer.objectValue ?? [:]
        info["attachment_id"] = .string(id)
        let mode = connector["mode"]?.stringValue ?? (attachment.attachMode == "null" ? "rw" : attachment.attachMode)
        if var data = info["data"]?.objectValue {
            data["access_mode"] = .string(mode)
            data["qos_specs"] = try await frontEndQoS(volume)
            info["data"] = .object(data)
        }
        let connectionInfo = JSONValue.object(info)
        return try await write { queries in
            try await queries.updateAttachment(
                id,
                [
                    "connector": connector.jsonText(), "connection_info": connectionInfo.jsonText(),
                    "attached_host": connector["host"]?.stringValue, "mountpoint": connector["mountpoint"]?.stringValue ?? "na",
                    "attach_mode": mode, "attach_status": "attaching", "attach_time": Timestamp.now().microseconds,
                ])
            _ = try await queries.transitionVolume(
                volume.id, from: [VolumeStatus.reserved, VolumeStatus.available, VolumeStatus.attaching],
                to: VolumeStatus.attaching, also: ["attach_status": "attaching"])
            guard let updated = try await queries.attachment(id: id) else { throw BlockStorageErrors.attachmentNotFound(id) }
            return updated
        }
    }

    /// The QoS limits the host enforces for the volume (its type's front-end or both specs,
    /// `*_per_gb` keys multiplied by the size), or null.
    func frontEndQoS(_ volume: VolumeRecord) async throws -> JSONValue {
        let qos: QoSSpecsRecord? = try await read { queries in
            guard let type = try await queries.volumeType(idOrName: volume.volumeTypeID),
                let qosID = type.qosSpecsID
            else { return nil }
            return try await queries.qosSpecs(idOrName: qosID)
        }
        guard let qos, qos.consumer == "front-end" || qos.consumer == "both" else { return .null }
        var specs: [String: JSONValue] = [:]
        for (key, value) in qos.specs {
            if key.hasSuffix("_per_gb"), let perGB = Double(value) {
                specs[String(key.dropLast("_per_gb".count))] = .string(String(Int64(perGB * Double(volume.size))))
            } else {
                specs[key] = .string(value)
            }
        }
        return .object(specs)
    }

    /// `os-complete`: the host has the volume; it is in use.
    func completeAttachment(_ id: String, _ auth: AuthContext) async throws {
        let attachment = try await visibleAttachment(id, auth, rule: "volume:attachment_complete")
        try await write { queries in
            try await queries.updateAttachment(id, ["attach_status": "attached"])
            try await queries.updateVolume(attachment.volumeID, ["status": VolumeStatus.inUse, "attach_status": "attached"])
        }
    }

    /// Disconnects (when connected) and removes the attachment; the volume's status follows
    /// what is left. Returns the volume's remaining attachments.
    func deleteAttachment(_ id: String, _ auth: AuthContext, requestID: String) async throws -> [AttachmentRecord] {
        let attachment = try await visibleAttachment(id, auth, rule: "volume:attachment_delete")
        if let connector = attachment.connector,
            let volume = try await read({ try await $0.volume(id: attachment.volumeID) }), let serviceHost = volume.serviceHost
        {
            do {
                _ = try await requireBackends().bus.call(
                    VolumeRPC.volume(serviceHost: serviceHost), method: VolumeRPC.Method.terminateConnection,
                    args: ["volume_id": .string(volume.id), "connector": connector],
                    context: MessagingContext(auth: auth, requestID: requestID), timeout: .seconds(60))
            } catch {
                logger.warning("terminate_connection failed", metadata: ["volume": "\(volume.id)", "error": "\(error)"])
            }
        }
        return try await write { queries in
            try await queries.deleteAttachment(id)
            try await Self.settleAttachStatus(queries, volumeID: attachment.volumeID)
            return try await queries.attachments(volumeIDs: [attachment.volumeID])[attachment.volumeID] ?? []
        }
    }

    /// Sets the volume's status from its remaining attachments, as Cinder recomputes it after a
    /// detach: attached → in-use, attaching, detaching, reserved, none → available.
    static func settleAttachStatus(_ queries: BlockStorageQueries, volumeID: String) async throws {
        let remaining = (try await queries.attachments(volumeIDs: [volumeID])[volumeID] ?? [])
            .filter { !$0.attachStatus.hasPrefix("error") && $0.attachStatus != "detached" }
        let statuses = Set(remaining.map(\.attachStatus))
        let (status, attachStatus): (String, String) =
            statuses.contains("attached") ? (VolumeStatus.inUse, "attached")
            : statuses.contains("attaching") ? (VolumeStatus.attaching, "attaching")
            : statuses.contains("detaching") ? (VolumeStatus.detaching, "detaching")
            : statuses.contains("reserved") ? (VolumeStatus.reserved, "reserved") : (VolumeStatus.available, "detached")
        _ = try await queries.transitionVolume(
            volumeID,
            from: [VolumeStatus.inUse, VolumeStatus.attaching, VolumeStatus.detaching, VolumeStatus.reserved, VolumeStatus.available],
            to: status, also: ["attach_status": attachStatus])
    }
}

extension BlockStorageQueries {
    func attachments(projectID: String?, volumeID: String?, instanceID: String?, status: String?) async throws
        -> [AttachmentRecord]
    {
        var query = sql.select().columns(Self.attachmentColumns).from("volume_attachments")
        if let projectID { query = query.where("project_id", .equal, projectID) }
        if let volumeID { query = query.where("volume_id", .equal, volumeID) }
        if let instanceID { query = query.where("instance_uuid", .equal, instanceID) }
        if let status { query = query.where("attach_status", .equal, status) }
        return try await query.orderBy("created_at").all().map(Self.attachment)
    }
}
