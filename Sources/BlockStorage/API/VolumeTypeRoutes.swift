import Hummingbird
import StratusKit

extension BlockStorageAPI {
    /// `/types` (list, show, `default`, create, update, delete), `/types/{id}/extra_specs[/{key}]`,
    /// `/types/{id}/os-volume-type-access` and the add/remove project access actions.
    func registerVolumeTypes(on router: Router<StratusRequestContext>) {
        for path in Self.paths("/types") {
            router.get(path) { request, context in
                let auth = try Self.auth(context)
                var isPublic: Bool? = true
                if let text = request.query("is_public") {
                    isPublic = text.lowercased() == "none" ? nil : try Self.flag(.string(text), "is_public")
                }
                let types = try await manager.listVolumeTypes(auth, isPublic: isPublic)
                return Self.respond(["volume_types": .array(types.map { typeBody($0, auth) })])
            }
            router.post(path) { request, context in
                let auth = try Self.auth(context)
                let fields = try Self.member(try await Self.body(request, context), "volume_type")
                guard let name = try fields.string("name"), !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw BlockStorageErrors.badRequest("Invalid input for field/attribute name. Value: None. None is not of type 'string'")
                }
                let isPublic =
                    try Self.flag(fields.object["os-volume-type-access:is_public"], "os-volume-type-access:is_public")
                    ?? Self.flag(fields.object["is_public"], "is_public") ?? true
                let type = try await manager.createVolumeType(
                    name: name, description: try fields.string("description"), isPublic: isPublic,
                    extraSpecs: try Self.stringMap(fields, "extra_specs") ?? [:], auth)
                return Self.respond(["volume_type": typeBody(type, auth)])
            }
        }
        for path in Self.paths("/types/{type_id}") {
            router.get(path) { _, context in
                let auth = try Self.auth(context)
                var id = try context.parameters.require("type_id")
                if id == "default" { id = manager.settings.defaultVolumeType }
                let type = try await manager.showVolumeType(id, auth)
                return Self.respond(["volume_type": typeBody(type, auth)])
            }
            router.put(path) { request, context in
                let auth = try Self.auth(context)
                let fields = try Self.member(try await Self.body(request, context), "volume_type")
                let name = try fields.string("name")
                let description: String?? = fields.has("description") ? .some(try fields.string("description")) : nil
                let isPublic =
                    try Self.flag(fields.object["is_public"], "is_public")
                    ?? Self.flag(fields.object["os-volume-type-access:is_public"], "os-volume-type-access:is_public")
                guard name != nil || description != nil || isPublic != nil else {
                    throw BlockStorageErrors.badRequest("Specify volume type name, description, is_public or a combination thereof.")
                }
                let type = try await manager.updateVolumeType(
                    try context.parameters.require("type_id"), name: name, description: description, isPublic: isPublic, auth)
                return Self.respond(["volume_type": typeBody(type, auth)])
            }
            router.delete(path) { _, context in
                try await manager.deleteVolumeType(try context.parameters.require("type_id"), try Self.auth(context))
                return Self.accepted()
            }
        }
        for path in Self.paths("/types/{type_id}/extra_specs") {
            router.get(path) { _, context in
                let auth = try Self.auth(context)
                try policy.enforce("volume_extension:types_extra_specs:index", auth)
                let type = try await manager.showVolumeType(try context.parameters.require("type_id"), auth)
                return Self.respond(["extra_specs": .object(visibleSpecs(type, auth).mapValues(JSONValue.string))])
            }
            router.post(path) { request, context in
                let auth = try Self.auth(context)
                let body = try await Self.body(request, context)
                let specs = try Self.stringMap(JSONFields(body, name: "extra_specs"), "extra_specs") ?? [:]
                try await manager.setExtraSpecs(try context.parameters.require("type_id"), specs, auth)
                return Self.respond(["extra_specs": .object(specs.mapValues(JSONValue.string))])
            }
        }
        for path in Self.paths("/types/{type_id}/extra_specs/{key}") {
            router.get(path) { _, context in
                let auth = try Self.auth(context)
                try policy.enforce("volume_extension:types_extra_specs:show", auth)
                let typeID = try context.parameters.require("type_id")
                let key = try context.parameters.require("key")
                let type = try await manager.showVolumeType(typeID, auth)
                guard let value = visibleSpecs(type, auth)[key] else {
                    throw BlockStorageErrors.notFound("Volume Type \(typeID) has no extra specs with key \(key).")
                }
                return Self.respond([key: .string(value)])
            }
            router.put(path) { request, context in
                let auth = try Self.auth(context)
                let key = try context.parameters.require("key")
                let body = try await Self.body(request, context)
                guard body.count == 1 else { throw BlockStorageErrors.badRequest("Request body contains too many items") }
                guard let value = body[key] else { throw BlockStorageErrors.badRequest("Request body and URI mismatch") }
                guard let text = value.stringValue else {
                    throw BlockStorageErrors.invalidField(key, value, "\(value.jsonText()) is not of type 'string'")
                }
                try await manager.setExtraSpecs(try context.parameters.require("type_id"), [key: text], auth)
                return Self.respond([key: .string(text)])
            }
            router.delete(path) { _, context in
                try await manager.deleteExtraSpec(
                    try context.parameters.require("type_id"), key: try context.parameters.require("key"), try Self.auth(context))
                return Self.accepted()
            }
        }
        for path in Self.paths("/types/{type_id}/os-volume-type-access") {
            router.get(path) { _, context in
                let typeID = try context.parameters.require("type_id")
                let projects = try await manager.typeAccess(typeID, try Self.auth(context))
                return Self.respond([
                    "volume_type_access": .array(projects.map { ["volume_type_id": .string(typeID), "project_id": .string($0)] })
                ])
            }
        }
        for path in Self.paths("/types/{type_id}/action") {
            router.post(path) { request, context in
                let auth = try Self.auth(context)
                let typeID = try context.parameters.require("type_id")
                let body = try await Self.body(request, context)
                if let add = body["addProjectAccess"]?.objectValue {
                    guard let project = add["project"]?.stringValue else { throw BlockStorageErrors.badRequest("Missing required element 'project' in request body.") }
                    try await manager.addTypeAccess(typeID, projectID: project, auth)
                } else if let remove = body["removeProjectAccess"]?.objectValue {
                    guard let project = remove["project"]?.stringValue else { throw BlockStorageErrors.badRequest("Missing required element 'project' in request body.") }
                    try await manager.removeTypeAccess(typeID, projectID: project, auth)
                } else {
                    throw BlockStorageErrors.badRequest("There is no such action: \(body.keys.sorted().first ?? "")")
                }
                return Self.accepted()
            }
        }
    }

    /// Admins see every extra spec; others only the user-visible ones.
    func visibleSpecs(_ type: VolumeTypeRecord, _ auth: AuthContext) -> [String: String] {
        if policy.isAdmin(auth) { return type.extraSpecs }
        return type.extraSpecs.filter { ["RESKEY:availability_zones", "multiattach", "replication_enabled"].contains($0.key) }
    }

    func typeBody(_ type: VolumeTypeRecord, _ auth: AuthContext) -> JSONValue {
        var body: [String: JSONValue] = [
            "id": .string(type.id), "name": .string(type.name),
            "description": type.description.map(JSONValue.string) ?? .null, "is_public": .bool(type.isPublic),
            "os-volume-type-access:is_public": .bool(type.isPublic),
            "extra_specs": .object(visibleSpecs(type, auth).mapValues(JSONValue.string)),
        ]
        if policy.isAdmin(auth) { body["qos_specs_id"] = type.qosSpecsID.map(JSONValue.string) ?? .null }
        return .object(body)
    }
}
