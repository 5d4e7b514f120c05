import Foundation
import SQLKit
import StratusKit

/// The volume actions that change a volume's state, size or type: extend, retype, bootable,
/// the read-only flag, an admin's status reset, and the image metadata a volume carries.
/// Every state change is a compare-and-set inside one write transaction, so two requests
/// cannot both act on one volume. Work on the data (growing a file, moving it to another
/// pool) is cast to the agent that owns the volume.
extension BlockStorageManager {
    // MARK: Extend

    /// `os-extend`: an `available` volume (or, from 3.42, an `in-use` one with
    /// `volume:extend_attached_volume`) grows to `newSize`. The record takes the new size at
    /// once, inside the transaction that checks the quota delta, so the gigabytes are held while
    /// the agent works; a driver failure gives the old size back and leaves `error_extending`.
    /// When the volume's pool has no room the volume stays as it was and a user message says why
    /// (Cinder's scheduler does the same, asynchronously).
    func extendVolume(_ id: String, newSize: Int64, attachedAllowed: Bool, _ auth: AuthContext, requestID: String)
        async throws
    {
        let volume = try await visibleVolume(id, auth, rule: "volume:extend")
        let attached = attachedAllowed && volume.status == VolumeStatus.inUse
        if attached { try policy.enforce("volume:extend_attached_volume", auth, projectID: volume.projectID) }
        guard newSize > volume.size else {
            throw BlockStorageErrors.invalidInput(
                "New size for extend must be greater than current size. (current: \(volume.size), extended: \(newSize)).")
        }
        let backends = try requireBackends()
        let expected = attached ? VolumeStatus.inUse : VolumeStatus.available
        let scheduler = VolumeScheduler(database: database, bus: backends.bus, settings: settings, logger: logger)
        let placed: Bool = try await write { queries in
            guard let current = try await queries.volume(id: id, forUpdate: true, kind: self.database.kind) else {
                throw BlockStorageErrors.volumeNotFound(id)
            }
            guard current.status == expected else {
                throw BlockStorageErrors.invalidVolume(
                    "Volume \(id) status must be '{'status': '\(expected)'}' to extend, currently \(current.status).")
            }
            guard newSize > current.size else {
                throw BlockStorageErrors.invalidInput(
                    "New size for extend must be greater than current size. (current: \(current.size), extended: \(newSize)).")
            }
            let typeName = try await queries.volumeType(idOrName: current.volumeTypeID)?.name
            try await self.quotas.checkVolumeSize(queries.sql, projectID: current.projectID, size: newSize)
            try await self.quotas.check(
                queries.sql, projectID: current.projectID, typeName: typeName, deltas: ["gigabytes": newSize - current.size])
            if let refusal = try await Self.poolRefusal(of: current, growingBy: newSize - current.size, scheduler, queries) {
                try await self.recordMessage(
                    queries, projectID: current.projectID, requestID: requestID, resourceID: current.id,
                    event: .extendVolumeNoRoom, detail: refusal)
                return false
            }
            return try await queries.transitionVolume(
                id, from: [expected], to: VolumeStatus.extending, also: ["previous_status": expected, "size": newSize])
        }
        guard placed, let serviceHost = volume.serviceHost else { return }
        try await backends.bus.cast(
            VolumeRPC.volume(serviceHost: serviceHost), method: VolumeRPC.Method.extendVolume,
            args: ["volume_id": .string(id), "previous_size": .int(volume.size)],
            context: MessagingContext(auth: auth, requestID: requestID))
    }

    /// Why the volume's own pool cannot take `extra` more GiB (Cinder's CapacityFilter on the
    /// volume's backend), or nil when it can.
    private static func poolRefusal(
        of volume: VolumeRecord, growingBy extra: Int64, _ scheduler: VolumeScheduler, _ queries: BlockStorageQueries
    ) async throws -> String? {
        guard let host = volume.host, let pool = try await scheduler.poolStates(queries).first(where: { $0.name == host })
        else {
            return "Could not find any available weighted backend. The volume's pool \(volume.host ?? "(none)") is not available."
        }
        let spec = VolumeRequestSpec(
            sizeGB: extra, availabilityZone: volume.availabilityZone, extraSpecs: [:], sourcePool: nil)
        return CapacityFilter().rejection(of: pool, for: spec).map {
            "Could not find any available weighted backend. CapacityFilter: \($0)."
        }
    }

    // MARK: Retype

    /// What a retype request turned into.
    private enum RetypeOutcome: Sendable {
        /// The volume's pool satisfies the new type: the label changed, nothing else.
        case relabelled
        /// The type cannot be had where the volume is and it may not move: nothing changed, a message says why.
        case refused
        /// The data moves to `destination` (`host@backend#pool`) on its own back end.
        case moving(destination: String, oldTypeID: String, oldMultiattach: Bool)
    }

    /// `os-retype`: when the volume's pool passes the new type's extra specs (the scheduler's
    /// zone and capabilities filters; capacity is already its own) only the label changes. Else,
    /// with `on-demand` and an `available` volume, the scheduler picks a pool of the same back
    /// end and the agent copies the data there; with `never` (or an attached volume) nothing
    /// changes and a user message says why. The per-type quotas move from the old type to the
    /// new one in the transaction that changes the label.
    func retypeVolume(_ id: String, newType: String, migrationPolicy: String, _ auth: AuthContext, requestID: String)
        async throws
    {
        let volume = try await visibleVolume(id, auth, rule: "volume:retype")
        let type = try await retypeTarget(newType, auth)
        let targetMultiattach = type.extraSpecs["multiattach"] == "<is> True"
        if volume.multiattach != targetMultiattach {
            guard volume.status == VolumeStatus.available else {
                throw BlockStorageErrors.invalidInput(
                    "Invalid volume_type passed, retypes affecting multiattach are only allowed on available volumes, the specified volume however currently has a status of: \(volume.status).")
            }
            if targetMultiattach { try policy.enforce("volume:multiattach", auth, projectID: volume.projectID) }
        }
        let backends = try requireBackends()
        let scheduler = VolumeScheduler(database: database, bus: backends.bus, settings: settings, logger: logger)
        let outcome: RetypeOutcome = try await write { queries in
            if self.database.kind == .postgres {
                try await queries.sql.raw("SELECT pg_advisory_xact_lock(\(literal: Int64(0x766f_6c73)))").run()
            }
            guard let current = try await queries.volume(id: id, forUpdate: true, kind: self.database.kind) else {
                throw BlockStorageErrors.volumeNotFound(id)
            }
            let migrating = current.migrationStatus.map { !["error", "success", "none"].contains($0) } ?? false
            var frontEndQoSChanges = false
            if current.status == VolumeStatus.inUse {
                let before = try await Self.frontEndQoSID(current.volumeTypeID, queries)
                let after = try await Self.frontEndQoSID(type.id, queries)
                frontEndQoSChanges = before != after
            }
            guard [VolumeStatus.available, VolumeStatus.inUse].contains(current.status), !migrating,
                current.volumeTypeID != type.id, !frontEndQoSChanges
            else {
                throw BlockStorageErrors.invalidVolume(
                    "Retype needs volume to be in available or in-use state, not be part of an active migration or a consistency group, requested type has to be different that the one from the volume, and for in-use volumes front-end qos specs cannot change.")
            }
            try await self.quotas.check(
                queries.sql, projectID: current.projectID, typeName: nil,
                deltas: ["volumes_\(type.name)": 1, "gigabytes_\(type.name)": current.size])
            let relabel: [String: any Encodable & Sendable] = ["volume_type_id": type.id, "multiattach": targetMultiattach]
            let pools = try await scheduler.poolStates(queries)
            let spec = VolumeRequestSpec(
                sizeGB: current.size, availabilityZone: current.availabilityZone, extraSpecs: type.extraSpecs,
                sourcePool: nil)
            if let pool = pools.first(where: { $0.name == current.host }),
                AvailabilityZoneFilter().rejection(of: pool, for: spec) == nil,
                CapabilitiesFilter().rejection(of: pool, for: spec) == nil
            {
                try await queries.updateVolume(id, relabel)
                return .relabelled
            }
            var refusal: String?
            var destination: PoolState?
            if migrationPolicy != "on-demand" {
                refusal = "Current backend not valid for volume \(id) with type \(type.name), migration not allowed."
            } else if current.status != VolumeStatus.available {
                refusal = "Current backend not valid for volume \(id) with type \(type.name), and a volume that is \(current.status) cannot move to another pool."
            } else {
                let candidates = pools.filter { $0.serviceHost == current.serviceHost && $0.name != current.host }
                switch VolumeScheduler.choose(spec, among: candidates, multiplier: 1) {
                case .success(let pool): destination = pool
                case .failure(let explanation): refusal = explanation.text
                }
            }
            guard let destination else {
                try await self.recordMessage(
                    queries, projectID: current.projectID, requestID: requestID, resourceID: current.id,
                    event: .scheduleAllocateVolume, detail: refusal ?? "")
                return .refused
            }
            var moving = relabel
            moving["previous_status"] = current.status
            moving["migration_status"] = "migrating"
            guard try await queries.transitionVolume(id, from: [current.status], to: VolumeStatus.retyping, also: moving)
            else { throw BlockStorageErrors.invalidVolume("Volume \(id) changed while it was being retyped.") }
            return .moving(destination: destination.name, oldTypeID: current.volumeTypeID, oldMultiattach: current.multiattach)
        }
        guard case .moving(let destination, let oldTypeID, let oldMultiattach) = outcome, let serviceHost = volume.serviceHost
        else { return }
        try await backends.bus.cast(
            VolumeRPC.volume(serviceHost: serviceHost), method: VolumeRPC.Method.retype,
            args: [
                "volume_id": .string(id), "destination": .string(destination), "old_type_id": .string(oldTypeID),
                "old_multiattach": .bool(oldMultiattach),
            ],
            context: MessagingContext(auth: auth, requestID: requestID))
    }

    /// The retype's new type, by id or name; a private type the caller has no access to is not found.
    private func retypeTarget(_ idOrName: String, _ auth: AuthContext) async throws -> VolumeTypeRecord {
        let notFound =
            UUID(uuidString: idOrName) != nil
            ? BlockStorageErrors.volumeTypeNotFound(idOrName)
            : BlockStorageErrors.notFound("Volume type with name \(idOrName) could not be found.")
        guard let type = try await read({ try await $0.volumeType(idOrName: idOrName) }) else { throw notFound }
        if !type.isPublic, !policy.isAdmin(auth) {
            let allowed = try await read { try await $0.typeIDs(accessibleTo: auth.projectID ?? "") }
            guard allowed.contains(type.id) else { throw notFound }
        }
        return type
    }

    /// The id of the QoS specs a type applies on the host side (`front-end` or `both`), if any.
    private static func frontEndQoSID(_ typeID: String, _ queries: BlockStorageQueries) async throws -> String? {
        guard let qosID = try await queries.volumeType(idOrName: typeID)?.qosSpecsID,
            let qos = try await queries.qosSpecs(idOrName: qosID), qos.consumer == "front-end" || qos.consumer == "both"
        else { return nil }
        return qos.id
    }

    // MARK: Flags and status

    /// `os-set_bootable` (Cinder checks it as a volume update).
    func setBootable(_ id: String, _ bootable: Bool, _ auth: AuthContext) async throws {
        _ = try await visibleVolume(id, auth, rule: "volume:update")
        try await write { queries in
            guard let current = try await queries.volume(id: id, forUpdate: true, kind: self.database.kind) else {
                throw BlockStorageErrors.volumeNotFound(id)
            }
            guard current.status != VolumeStatus.maintenance else {
                throw BlockStorageErrors.invalidVolume("The volume cannot be updated during maintenance.")
            }
            try await queries.updateVolume(id, ["bootable": bootable])
        }
    }

    /// `os-update_readonly_flag`: only while the volume is `available`.
    func updateReadonlyFlag(_ id: String, _ readonly: Bool, _ auth: AuthContext) async throws {
        _ = try await visibleVolume(id, auth, rule: "volume:update_readonly_flag")
        try await write { queries in
            let updated = try await queries.transitionVolume(
                id, from: [VolumeStatus.available], to: VolumeStatus.available, also: ["readonly": readonly])
            guard updated else {
                let status = try await queries.volume(id: id)?.status ?? "deleted"
                throw BlockStorageErrors.invalidVolume(
                    "Volume \(id) status must be available to update readonly flag, but current status is: \(status).")
            }
        }
    }

    /// `os-reset_status` (admin): sets what is given without the usual rules, except that
    /// `deleting` is refused and `in-use` needs an attachment. `attach_status: detached` also
    /// drops every attachment and, unless the volume is migrating or uploading, makes it `available`.
    func resetVolumeStatus(
        _ id: String, status: String?, attachStatus: String?, migrationStatus: String??, _ auth: AuthContext
    ) async throws {
        _ = try await visibleVolume(id, auth, rule: "volume_extension:volume_admin_actions:reset_status")
        if status == VolumeStatus.deleting { throw BlockStorageErrors.badRequest("Cannot reset-state to deleting") }
        try await write { queries in
            guard let current = try await queries.volume(id: id, forUpdate: true, kind: self.database.kind) else {
                throw BlockStorageErrors.volumeNotFound(id)
            }
            if status == VolumeStatus.inUse, current.attachments.isEmpty {
                throw BlockStorageErrors.badRequest("Cannot reset-state to in-use because volume does not have any attachments.")
            }
            var columns: [String: any Encodable & Sendable] = [:]
            if let status { columns["status"] = status }
            if let attachStatus { columns["attach_status"] = attachStatus }
            if let migrationStatus { columns["migration_status"] = migrationStatus }
            if attachStatus == "detached" {
                for attachment in current.attachments { try await queries.deleteAttachment(attachment.id) }
                let migration = migrationStatus ?? current.migrationStatus
                let finalStatus = status ?? current.status
                if (migration == nil || migration == "success" || migration == "error") && finalStatus != VolumeStatus.uploading {
                    columns["status"] = VolumeStatus.available
                }
            }
            try await queries.updateVolume(id, columns)
        }
    }

    // MARK: Image metadata

    /// `os-show_image_metadata`.
    func volumeImageMetadata(_ id: String, _ auth: AuthContext) async throws -> [String: String] {
        try await visibleVolume(id, auth, rule: "volume:get_volume_metadata").imageMetadata
    }

    /// `os-set_image_metadata`: merges; answers every image property the volume now has.
    func setVolumeImageMetadata(_ id: String, _ metadata: [String: String], _ auth: AuthContext) async throws
        -> [String: String]
    {
        let volume = try await visibleVolume(id, auth, rule: "volume_extension:volume_image_metadata:set")
        try policy.enforce("volume:update_volume_metadata", auth, projectID: volume.projectID)
        return try await write { queries in
            let current = try await Self.lockedForMetadata(id, queries, self.database.kind, verb: "Updating")
            let merged = current.imageMetadata.merging(metadata) { _, new in new }
            try await queries.replaceKeyValues("volume_image_metadata", owner: "volume_id", id: id, merged)
            return merged
        }
    }

    /// `os-unset_image_metadata`: 404 when the key is not there.
    func unsetVolumeImageMetadata(_ id: String, key: String, _ auth: AuthContext) async throws {
        let volume = try await visibleVolume(id, auth, rule: "volume_extension:volume_image_metadata:remove")
        try policy.enforce("volume:delete_volume_metadata", auth, projectID: volume.projectID)
        try await write { queries in
            let current = try await Self.lockedForMetadata(id, queries, self.database.kind, verb: "Deleting", checkStatus: false)
            guard current.imageMetadata[key] != nil else {
                throw BlockStorageErrors.notFound("Glance metadata for volume/snapshot \(id) cannot be found.")
            }
            try await Self.refuseMetadataChange(current, verb: "Deleting")
            var remaining = current.imageMetadata
            remaining.removeValue(forKey: key)
            try await queries.replaceKeyValues("volume_image_metadata", owner: "volume_id", id: id, remaining)
        }
    }

    /// The volume, locked, after Cinder's rule that metadata does not change in `maintenance` or `uploading`.
    static func lockedForMetadata(
        _ id: String, _ queries: BlockStorageQueries, _ kind: DatabaseKind, verb: String, checkStatus: Bool = true
    ) async throws -> VolumeRecord {
        guard let current = try await queries.volume(id: id, forUpdate: true, kind: kind) else {
            throw BlockStorageErrors.volumeNotFound(id)
        }
        if checkStatus { try await refuseMetadataChange(current, verb: verb) }
        return current
    }

    static func refuseMetadataChange(_ volume: VolumeRecord, verb: String) async throws {
        if volume.status == VolumeStatus.maintenance || volume.status == VolumeStatus.uploading {
            throw BlockStorageErrors.invalidVolume(
                "\(verb) volume metadata is not allowed for volumes in \(volume.status) status.")
        }
    }
}
