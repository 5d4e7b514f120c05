import SQLKit
import StratusKit

/// Volume types and their extra specs and project access.
extension BlockStorageQueries {
    static let typeColumns = ["id", "name", "description", "is_public", "qos_specs_id", "created_at", "updated_at"]

    static func volumeType(_ row: any SQLRow) throws -> VolumeTypeRecord {
        VolumeTypeRecord(
            id: try row.string("id"), name: try row.string("name"), description: try row.optionalString("description"),
            isPublic: try row.bool("is_public"), qosSpecsID: try row.optionalString("qos_specs_id"),
            createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0),
            updatedAt: try row.timestamp("updated_at"))
    }

    /// Every type with its extra specs (two queries).
    func volumeTypes() async throws -> [VolumeTypeRecord] {
        let types = try await sql.select().columns(Self.typeColumns).from("volume_types").orderBy("name").all()
            .map(Self.volumeType)
        let specs = try await keyValues("volume_type_extra_specs", owner: "volume_type_id", ids: types.map(\.id))
        return types.map { type in
            var type = type
            type.extraSpecs = specs[type.id] ?? [:]
            return type
        }
    }

    /// The type by id, else by name.
    func volumeType(idOrName: String) async throws -> VolumeTypeRecord? {
        var row = try await sql.select().columns(Self.typeColumns).from("volume_types").where("id", .equal, idOrName).first()
        if row == nil {
            row = try await sql.select().columns(Self.typeColumns).from("volume_types").where("name", .equal, idOrName).first()
        }
        guard let row else { return nil }
        var type = try Self.volumeType(row)
        type.extraSpecs = try await keyValues("volume_type_extra_specs", owner: "volume_type_id", ids: [type.id])[type.id] ?? [:]
        return type
    }

    func insert(_ type: VolumeTypeRecord) async throws {
        let values: [any Encodable & Sendable] = [
            type.id, type.name, type.description, type.isPublic, type.qosSpecsID, type.createdAt.microseconds,
            type.updatedAt?.microseconds,
        ]
        try await sql.insert(into: "volume_types").columns(Self.typeColumns).values(values.map { SQLBind($0) }).run()
        try await replaceKeyValues("volume_type_extra_specs", owner: "volume_type_id", id: type.id, type.extraSpecs)
    }

    /// Projects given access to a private type.
    func typeProjects(_ typeID: String) async throws -> [String] {
        try await sql.select().column("project_id").from("volume_type_projects").where("volume_type_id", .equal, typeID)
            .orderBy("project_id").all().map { try $0.string("project_id") }
    }

    /// Ids of the private types `projectID` was given access to.
    func typeIDs(accessibleTo projectID: String) async throws -> Set<String> {
        Set(
            try await sql.select().column("volume_type_id").from("volume_type_projects")
                .where("project_id", .equal, projectID).all().map { try $0.string("volume_type_id") })
    }
}
