import Foundation
import SQLKit
import StratusKit

/// Volume types, their extra specs and their project access (admins manage them; readers
/// see public types and the private ones shared with their project).
extension BlockStorageManager {
    /// Types the caller may see; `isPublic` nil lists all an admin may see (`is_public=none`).
    func listVolumeTypes(_ auth: AuthContext, isPublic: Bool?) async throws -> [VolumeTypeRecord] {
        try policy.enforce("volume_extension:type_get_all", auth)
        let types = try await read { try await $0.volumeTypes() }
        if policy.isAdmin(auth) {
            guard let isPublic else { return types }
            return types.filter { $0.isPublic == isPublic }
        }
        let shared = try await read { try await $0.typeIDs(accessibleTo: auth.projectID ?? "") }
        return types.filter { $0.isPublic || shared.contains($0.id) }
    }

    func showVolumeType(_ idOrName: String, _ auth: AuthContext) async throws -> VolumeTypeRecord {
        try policy.enforce("volume_extension:type_get", auth)
        guard let type = try await read({ try await $0.volumeType(idOrName: idOrName) }), type.id == idOrName || type.name == idOrName
        else { throw BlockStorageErrors.volumeTypeNotFound(idOrName) }
        if !type.isPublic, !policy.isAdmin(auth) {
            let shared = try await read { try await $0.typeIDs(accessibleTo: auth.projectID ?? "") }
            guard shared.contains(type.id) else { throw BlockStorageErrors.volumeTypeNotFound(idOrName) }
        }
        return type
    }

    func createVolumeType(
        name: String, description: String?, isPublic: Bool, extraSpecs: [String: String], _ auth: AuthContext
    ) async throws -> VolumeTypeRecord {
        try policy.enforce("volume_extension:types_manage", auth)
        try Self.checkExtraSpecs(extraSpecs)
        let type = VolumeTypeRecord(
            id: UUID().uuidString.lowercased(), name: name, description: description, isPublic: isPublic, qosSpecsID: nil,
            createdAt: .now(), updatedAt: nil, extraSpecs: extraSpecs)
        try await write { queries in
            guard try await queries.volumeType(idOrName: name) == nil else {
                throw BlockStorageErrors.conflict("Volume Type \(name) already exists.")
            }
            try await queries.insert(type)
        }
        return type
    }

    func updateVolumeType(
        _ id: String, name: String?, description: String??, isPublic: Bool?, _ auth: AuthContext
    ) async throws -> VolumeTypeRecord {
        try policy.enforce("volume_extension:types_manage", auth)
        if let name, name.trimmingCharacters(in: .whitespaces).isEmpty {
            throw BlockStorageErrors.badRequest("Volume type name can not be empty.")
        }
        return try await write { queries in
            guard let type = try await queries.volumeType(idOrName: id), type.id == id else {
                throw BlockStorageErrors.volumeTypeNotFound(id)
            }
            var update = queries.sql.update("volume_types").set("updated_at", to: SQLBind(Timestamp.now().microseconds))
            if let name, name != type.name {
                guard try await queries.volumeType(idOrName: name) == nil else {
                    throw BlockStorageErrors.conflict("Volume Type \(name) already exists.")
                }
                update = update.set("name", to: SQLBind(name))
            }
            if let description { update = update.set("description", to: SQLBind(description)) }
            if let isPublic { update = update.set("is_public", to: SQLBind(isPublic)) }
            try await update.where("id", .equal, id).run()
            guard let updated = try await queries.volumeType(idOrName: id) else { throw BlockStorageErrors.volumeTypeNotFound(id) }
            return updated
        }
    }

    func deleteVolumeType(_ id: String, _ auth: AuthContext) async throws {
        try policy.enforce("volume_extension:types_manage", auth)
        let defaultName = settings.defaultVolumeType
        try await write { queries in
            guard let type = try await queries.volumeType(idOrName: id), type.id == id else {
                throw BlockStorageErrors.volumeTypeNotFound(id)
            }
            if type.name == defaultName {
                throw BlockStorageErrors.badRequest("The volume type \(id) is a default volume type and cannot be deleted.")
            }
            if try await queries.volumeTypeInUse(id) {
                throw BlockStorageErrors.badRequest("Target volume type is still in use.")
            }
            try await queries.sql.delete(from: "volume_type_extra_specs").where("volume_type_id", .equal, id).run()
            try await queries.sql.delete(from: "volume_type_projects").where("volume_type_id", .equal, id).run()
            try await queries.sql.delete(from: "volume_types").where("id", .equal, id).run()
        }
    }

    /// Merges `specs` into the type's extra specs (refused while volumes use the type).
    func setExtraSpecs(_ typeID: String, _ specs: [String: String], _ auth: AuthContext) async throws {
        try policy.enforce("volume_extension:types_manage", auth)
        try Self.checkExtraSpecs(specs)
        try await write { queries in
            guard let type = try await queries.volumeType(idOrName: typeID), type.id == typeID else {
                throw BlockStorageErrors.volumeTypeNotFound(typeID)
            }
            if try await queries.volumeTypeInUse(typeID) {
                throw BlockStorageErrors.badRequest("Volume Type is currently in use.")
            }
            var merged = type.extraSpecs
            merged.merge(specs) { _, new in new }
            try Self.checkExtraSpecs(merged)
            try await queries.replaceKeyValues("volume_type_extra_specs", owner: "volume_type_id", id: typeID, merged)
        }
    }

    func deleteExtraSpec(_ typeID: String, key: String, _ auth: AuthContext) async throws {
        try policy.enforce("volume_extension:types_manage", auth)
        try await write { queries in
            guard let type = try await queries.volumeType(idOrName: typeID), type.id == typeID else {
                throw BlockStorageErrors.volumeTypeNotFound(typeID)
            }
            guard type.extraSpecs[key] != nil else {
                throw BlockStorageErrors.notFound("Volume Type \(typeID) has no extra specs with key \(key).")
            }
            if try await queries.volumeTypeInUse(typeID) {
                throw BlockStorageErrors.badRequest("Volume Type is currently in use.")
            }
            try await queries.sql.delete(from: "volume_type_extra_specs").where("volume_type_id", .equal, typeID)
                .where("key", .equal, key).run()
        }
    }

    /// Cinder's extra spec key rule and the multiattach/cacheable exclusion.
    static func checkExtraSpecs(_ specs: [String: String]) throws {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_:. /"))
        for (key, value) in specs {
            guard !key.isEmpty, key.count <= 255, key.unicodeScalars.allSatisfy(allowed.contains), value.count <= 255 else {
                throw BlockStorageErrors.badRequest("Invalid input for field/attribute extra_specs. Value: \(key).")
            }
        }
        if specIsTrue(specs["multiattach"]), specIsTrue(specs["cacheable"]) {
            throw BlockStorageErrors.badRequest("cacheable cannot be set with multiattach.")
        }
    }

    // MARK: Access to private types

    func typeAccess(_ typeID: String, _ auth: AuthContext) async throws -> [String] {
        try policy.enforce("volume_extension:volume_type_access", auth)
        let type = try await showVolumeType(typeID, auth)
        guard !type.isPublic else {
            throw BlockStorageErrors.notFound("Access list not available for public volume types.")
        }
        return try await read { try await $0.typeProjects(type.id) }
    }

    func addTypeAccess(_ typeID: String, projectID: String, _ auth: AuthContext) async throws {
        try policy.enforce("volume_extension:volume_type_access:addProjectAccess", auth)
        try await write { queries in
            guard let type = try await queries.volumeType(idOrName: typeID), type.id == typeID else {
                throw BlockStorageErrors.volumeTypeNotFound(typeID)
            }
            guard !type.isPublic else { throw BlockStorageErrors.badRequest("Invalid volume type: Type access modification is not applicable to public volume type.") }
            guard !(try await queries.typeProjects(typeID)).contains(projectID) else {
                throw BlockStorageErrors.conflict("Volume type access for \(typeID) / \(projectID) combination already exists.")
            }
            try await queries.sql.insert(into: "volume_type_projects").columns("volume_type_id", "project_id")
                .values(SQLBind(typeID), SQLBind(projectID)).run()
        }
    }

    func removeTypeAccess(_ typeID: String, projectID: String, _ auth: AuthContext) async throws {
        try policy.enforce("volume_extension:volume_type_access:removeProjectAccess", auth)
        try await write { queries in
            guard try await queries.typeProjects(typeID).contains(projectID) else {
                throw BlockStorageErrors.notFound("Volume type access not found for \(typeID) / \(projectID) combination.")
            }
            try await queries.sql.delete(from: "volume_type_projects").where("volume_type_id", .equal, typeID)
                .where("project_id", .equal, projectID).run()
        }
    }
}

extension BlockStorageQueries {
    /// Whether any volume has the type.
    func volumeTypeInUse(_ typeID: String) async throws -> Bool {
        try await sql.select().column("id").from("volumes").where("volume_type_id", .equal, typeID).limit(1).first() != nil
    }
}
