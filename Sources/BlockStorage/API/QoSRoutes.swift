import Hummingbird
import StratusKit

extension BlockStorageAPI {
    /// `/qos-specs`: create, list, show, set keys, `delete_keys`, delete, and the
    /// `associations`, `associate`, `disassociate` and `disassociate_all` views (GETs, as in Cinder).
    func registerQoSSpecs(on router: Router<StratusRequestContext>) {
        for path in Self.paths("/qos-specs") {
            router.post(path) { request, context in
                let auth = try Self.auth(context)
                let fields = try Self.member(try await Self.body(request, context), "qos_specs")
                guard let name = try fields.string("name"), !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw BlockStorageErrors.badRequest("Please specify a name for QoS specs.")
                }
                var specs = try Self.stringMap(JSONFields(["specs": .object(fields.object)], name: "qos_specs"), "specs") ?? [:]
                specs.removeValue(forKey: "name")
                let consumer = specs.removeValue(forKey: "consumer") ?? "back-end"
                let record = try await manager.createQoSSpecs(name: name, consumer: consumer, specs: specs, auth)
                return Self.respond(["qos_specs": qosBody(record), "links": qosLinks(record, auth)])
            }
            router.get(path) { _, context in
                let records = try await manager.listQoSSpecs(try Self.auth(context))
                return Self.respond(["qos_specs": .array(records.map(qosBody))])
            }
        }
        for path in Self.paths("/qos-specs/{qos_id}") {
            router.get(path) { _, context in
                let auth = try Self.auth(context)
                let record = try await manager.showQoSSpecs(try context.parameters.require("qos_id"), auth)
                return Self.respond(["qos_specs": qosBody(record), "links": qosLinks(record, auth)])
            }
            router.put(path) { request, context in
                let auth = try Self.auth(context)
                let fields = try Self.member(try await Self.body(request, context), "qos_specs")
                let values = try Self.stringMap(JSONFields(["specs": .object(fields.object)], name: "qos_specs"), "specs") ?? [:]
                try await manager.setQoSKeys(try context.parameters.require("qos_id"), values, auth)
                return Self.respond(["qos_specs": .object(values.mapValues(JSONValue.string))])
            }
            router.delete(path) { request, context in
                let force = try Self.flag(request.query("force").map(JSONValue.string), "force") ?? false
                try await manager.deleteQoSSpecs(try context.parameters.require("qos_id"), force: force, try Self.auth(context))
                return Self.accepted()
            }
        }
        for path in Self.paths("/qos-specs/{qos_id}/delete_keys") {
            router.put(path) { request, context in
                let body = try await Self.body(request, context)
                guard let keys = try JSONFields(body, name: "delete_keys").stringArray("keys") else {
                    throw BlockStorageErrors.badRequest("Missing required element 'keys' in request body.")
                }
                try await manager.deleteQoSKeys(try context.parameters.require("qos_id"), keys, try Self.auth(context))
                return Self.accepted()
            }
        }
        for path in Self.paths("/qos-specs/{qos_id}/associations") {
            router.get(path) { _, context in
                let types = try await manager.qosAssociations(try context.parameters.require("qos_id"), try Self.auth(context))
                return Self.respond([
                    "qos_associations": .array(
                        types.map { ["association_type": "volume_type", "name": .string($0.name), "id": .string($0.id)] })
                ])
            }
        }
        for path in Self.paths("/qos-specs/{qos_id}/associate") {
            router.get(path) { request, context in
                try await manager.associateQoS(
                    try context.parameters.require("qos_id"), typeID: request.query("vol_type_id"), try Self.auth(context))
                return Self.accepted()
            }
        }
        for path in Self.paths("/qos-specs/{qos_id}/disassociate") {
            router.get(path) { request, context in
                try await manager.disassociateQoS(
                    try context.parameters.require("qos_id"), typeID: request.query("vol_type_id"), all: false,
                    try Self.auth(context))
                return Self.accepted()
            }
        }
        for path in Self.paths("/qos-specs/{qos_id}/disassociate_all") {
            router.get(path) { _, context in
                try await manager.disassociateQoS(
                    try context.parameters.require("qos_id"), typeID: nil, all: true, try Self.auth(context))
                return Self.accepted()
            }
        }
    }

    func qosBody(_ record: QoSSpecsRecord) -> JSONValue {
        [
            "id": .string(record.id), "name": .string(record.name), "consumer": .string(record.consumer),
            "specs": .object(record.specs.mapValues(JSONValue.string)),
        ]
    }

    private func qosLinks(_ record: QoSSpecsRecord, _ auth: AuthContext) -> JSONValue {
        let project = auth.projectID ?? ""
        return [
            ["rel": "self", "href": .string("\(publicURL)/v3/\(project)/qos-specs/\(record.id)")],
            ["rel": "bookmark", "href": .string("\(publicURL)/\(project)/qos-specs/\(record.id)")],
        ]
    }
}
