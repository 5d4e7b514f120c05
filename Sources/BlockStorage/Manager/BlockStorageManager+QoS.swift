import Foundation
import SQLKit
import StratusKit

/// A QoS specs record: a named set of limits for a consumer (`back-end`, `front-end`,
/// `both`), associated with volume types. Front-end and both specs reach the host in an
/// attachment's connection info (`qos_specs`).
struct QoSSpecsRecord: Sendable {
    var id: String
    var name: String
    var consumer: String
    var specs: [String: String]
    var createdAt: Timestamp
}

/// QoS specs, for admins: create, list, show, set and unset keys, delete, and associations
/// with volume types (one QoS specs per type).
extension BlockStorageManager {
    static let qosConsumers: Set<String> = ["back-end", "front-end", "both"]

    func createQoSSpecs(name: String, consumer: String, specs: [String: String], _ auth: AuthContext) async throws
        -> QoSSpecsRecord
    {
        try policy.enforce("volume_extension:qos_specs_manage:create", auth)
        guard Self.qosConsumers.contains(consumer) else {
            throw BlockStorageErrors.badRequest("Invalid input received: Consumer \(consumer) is not valid; use back-end, front-end or both.")
        }
        let record = QoSSpecsRecord(
            id: UUID().uuidString.lowercased(), name: name, consumer: consumer, specs: specs, createdAt: .now())
        try await write { queries in
            guard try await queries.qosSpecs(idOrName: name) == nil else {
                throw BlockStorageErrors.conflict("QoS Specs \(name) already exists.")
            }
            try await queries.sql.insert(into: "qos_specs").columns("id", "name", "consumer", "created_at")
                .values(SQLBind(record.id), SQLBind(name), SQLBind(consumer), SQLBind(record.createdAt.microseconds)).run()
            try await queries.replaceKeyValues("qos_spec_keys", owner: "qos_specs_id", id: record.id, specs)
        }
        return record
    }

    func listQoSSpecs(_ auth: AuthContext) async throws -> [QoSSpecsRecord] {
        try policy.enforce("volume_extension:qos_specs_manage:get_all", auth)
        return try await read { try await $0.allQoSSpecs() }
    }

    func showQoSSpecs(_ id: String, _ auth: AuthContext) async throws -> QoSSpecsRecord {
        try policy.enforce("volume_extension:qos_specs_manage:get", auth)
        guard let record = try await read({ try await $0.qosSpecs(idOrName: id) }), record.id == id else {
            throw BlockStorageErrors.notFound("No such QoS spec \(id).")
        }
        return record
    }

    /// Sets keys (and the consumer when given).
    func setQoSKeys(_ id: String, _ values: [String: String], _ auth: AuthContext) async throws {
        try policy.enforce("volume_extension:qos_specs_manage:update", auth)
        var values = values
        let consumer = values.removeValue(forKey: "consumer")
        if let consumer, !Self.qosConsumers.contains(consumer) {
            throw BlockStorageErrors.badRequest("Invalid input received: Consumer \(consumer) is not valid; use back-end, front-end or both.")
        }
        let specs = values
        try await write { queries in
            guard let record = try await queries.qosSpecs(idOrName: id), record.id == id else {
                throw BlockStorageErrors.notFound("No such QoS spec \(id).")
            }
            if let consumer {
                try await queries.sql.update("qos_specs").set("consumer", to: SQLBind(consumer)).where("id", .equal, id).run()
            }
            try await queries.replaceKeyValues(
                "qos_spec_keys", owner: "qos_specs_id", id: id, record.specs.merging(specs) { _, new in new })
        }
    }

    func deleteQoSKeys(_ id: String, _ keys: [String], _ auth: AuthContext) async throws {
        try policy.enforce("volume_extension:qos_specs_manage:update", auth)
        try await write { queries in
            guard let record = try await queries.qosSpecs(idOrName: id), record.id == id else {
                throw BlockStorageErrors.notFound("No such QoS spec \(id).")
            }
            if let missing = keys.first(where: { record.specs[$0] == nil }) {
                throw BlockStorageErrors.notFound("QoS spec \(id) has no spec with key \(missing).")
            }
            try await queries.replaceKeyValues(
                "qos_spec_keys", owner: "qos_specs_id", id: id, record.specs.filter { !keys.contains($0.key) })
        }
    }

    func deleteQoSSpecs(_ id: String, force: Bool, _ auth: AuthContext) async throws {
        try policy.enforce("volume_extension:qos_specs_manage:delete", auth)
        try await write { queries in
            guard let record = try await queries.qosSpecs(idOrName: id), record.id == id else {
                throw BlockStorageErrors.notFound("No such QoS spec \(id).")
            }
            let associated = try await queries.typesAssociated(withQoS: id)
            if !associated.isEmpty, !force { throw BlockStorageErrors.badRequest("Qos specs still in use.") }
            try await queries.sql.update("volume_types").set("qos_specs_id", to: SQLBind(String?.none))
                .where("qos_specs_id", .equal, id).run()
            try await queries.sql.delete(from: "qos_spec_keys").where("qos_specs_id", .equal, id).run()
            try await queries.sql.delete(from: "qos_specs").where("id", .equal, id).run()
        }
    }

    func qosAssociations(_ id: String, _ auth: AuthContext) async throws -> [VolumeTypeRecord] {
        try policy.enforce("volume_extension:qos_specs_manage:get", auth)
        _ = try await showQoSSpecs(id, auth)
        return try await read { try await $0.typesAssociated(withQoS: id) }
    }

    /// Associates the type with the QoS specs (a type has at most one).
    func associateQoS(_ id: String, typeID: String?, _ auth: AuthContext) async throws {
        try policy.enforce("volume_extension:qos_specs_manage:update", auth)
        guard let typeID else { throw BlockStorageErrors.badRequest("Volume Type id must not be None.") }
        try await write { queries in
            guard let record = try await queries.qosSpecs(idOrName: id), record.id == id else {
                throw BlockStorageErrors.notFound("No such QoS spec \(id).")
            }
            guard let type = try await queries.volumeType(idOrName: typeID), type.id == typeID else {
                throw BlockStorageErrors.volumeTypeNotFound(typeID)
            }
            if let current = type.qosSpecsID, current != id {
                throw BlockStorageErrors.badRequest(
                    "Invalid volume type: Type \(typeID) is already associated with another qos specs: \(current)")
            }
            try await queries.sql.update("volume_types").set("qos_specs_id", to: SQLBind(id)).where("id", .equal, typeID).run()
        }
    }

    /// Removes the association with one type, or with every type when `typeID` is nil.
    func disassociateQoS(_ id: String, typeID: String?, all: Bool, _ auth: AuthContext) async throws {
        try policy.enforce("volume_extension:qos_specs_manage:update", auth)
        if !all, typeID == nil { throw BlockStorageErrors.badRequest("Volume Type id must not be None.") }
        try await write { queries in
            guard let record = try await queries.qosSpecs(idOrName: id), record.id == id else {
                throw BlockStorageErrors.notFound("No such QoS spec \(id).")
            }
            var update = queries.sql.update("volume_types").set("qos_specs_id", to: SQLBind(String?.none))
                .where("qos_specs_id", .equal, id)
            if !all, let typeID { update = update.where("id", .equal, typeID) }
            try await update.run()
        }
    }
}

extension BlockStorageQueries {
    private static func qos(_ row: any SQLRow) throws -> QoSSpecsRecord {
        QoSSpecsRecord(
            id: try row.string("id"), name: try row.string("name"), consumer: try row.string("consumer"), specs: [:],
            createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0))
    }

    func qosSpecs(idOrName: String) async throws -> QoSSpecsRecord? {
        var row = try await sql.select().columns("id", "name", "consumer", "created_at").from("qos_specs")
            .where("id", .equal, idOrName).first()
        if row == nil {
            row = try await sql.select().columns("id", "name", "consumer", "created_at").from("qos_specs")
                .where("name", .equal, idOrName).first()
        }
        guard let row else { return nil }
        var record = try Self.qos(row)
        record.specs = try await keyValues("qos_spec_keys", owner: "qos_specs_id", ids: [record.id])[record.id] ?? [:]
        return record
    }

    func allQoSSpecs() async throws -> [QoSSpecsRecord] {
        let records = try await sql.select().columns("id", "name", "consumer", "created_at").from("qos_specs")
            .orderBy("name").all().map(Self.qos)
        let specs = try await keyValues("qos_spec_keys", owner: "qos_specs_id", ids: records.map(\.id))
        return records.map { record in
            var record = record
            record.specs = specs[record.id] ?? [:]
            return record
        }
    }

    func typesAssociated(withQoS id: String) async throws -> [VolumeTypeRecord] {
        try await sql.select().columns(Self.typeColumns).from("volume_types").where("qos_specs_id", .equal, id)
            .orderBy("name").all().map(Self.volumeType)
    }
}
