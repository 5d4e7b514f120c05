import Foundation
import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `/os-aggregates`: list, create, show, update, delete and the `add_host`,
    /// `remove_host` and `set_metadata` actions; `uuid` in bodies from 2.41.
    func registerAggregates(on router: Router<StratusRequestContext>) {
        router.get("/v2.1/os-aggregates") { _, context in
            let aggregates = try await manager.listAggregates(try context.requireAuth())
            let version = Self.version(context)
            return Self.respond(["aggregates": .array(aggregates.map { Self.aggregateBody($0, version: version) })])
        }
        router.post("/v2.1/os-aggregates") { request, context in
            let auth = try context.requireAuth()
            let body = try ComputeBody(try await Self.body(request, context), member: "aggregate")
            try body.onlyAllow(["name", "availability_zone"])
            let name = try Self.aggregateName(body, required: true)!
            var zone: String?
            if let value = body.object["availability_zone"], !value.isNull { zone = try body.string("availability_zone") }
            let created = try await manager.createAggregate(auth, name: name, zone: zone)
            var rendered = Self.aggregateBody(created, version: Self.version(context)).objectValue ?? [:]
            rendered["hosts"] = nil
            rendered["metadata"] = nil
            return Self.respond(["aggregate": .object(rendered)])
        }
        router.get("/v2.1/os-aggregates/{id}") { _, context in
            let aggregate = try await manager.aggregate(try context.requireAuth(), id: try Self.aggregateID(context))
            return Self.respond(["aggregate": Self.aggregateBody(aggregate, version: Self.version(context))])
        }
        router.put("/v2.1/os-aggregates/{id}") { request, context in
            let auth = try context.requireAuth()
            let id = try Self.aggregateID(context)
            let body = try ComputeBody(try await Self.body(request, context), member: "aggregate")
            try body.onlyAllow(["name", "availability_zone"])
            guard !body.object.isEmpty else {
                throw ComputeErrors.invalidInput("aggregate", .object(body.object), "{} does not have enough properties")
            }
            let name = try Self.aggregateName(body, required: false)
            var zone: String??
            if let value = body.object["availability_zone"] {
                zone = value.isNull ? .some(nil) : .some(try body.string("availability_zone"))
            }
            let updated = try await manager.updateAggregate(auth, id: id, name: name, zone: zone)
            return Self.respond(["aggregate": Self.aggregateBody(updated, version: Self.version(context))])
        }
        router.delete("/v2.1/os-aggregates/{id}") { _, context in
            try await manager.deleteAggregate(try context.requireAuth(), id: try Self.aggregateID(context))
            return JSONResponse.empty(.ok)
        }
        router.post("/v2.1/os-aggregates/{id}/action") { request, context in
            let auth = try context.requireAuth()
            let id = try Self.aggregateID(context)
            let body = try await Self.body(request, context)
            let updated: AggregateRecord
            if body["add_host"] != nil || body["remove_host"] != nil {
                let adding = body["add_host"] != nil
                let action = try ComputeBody(body, member: adding ? "add_host" : "remove_host")
                try action.onlyAllow(["host"])
                let host = try action.string("host", required: true)!
                updated =
                    adding
                    ? try await manager.addAggregateHost(auth, id: id, host: host)
                    : try await manager.removeAggregateHost(auth, id: id, host: host)
            } else if body["set_metadata"] != nil {
                let action = try ComputeBody(body, member: "set_metadata")
                try action.onlyAllow(["metadata"])
                guard let metadata = try action.require("metadata").objectValue else {
                    throw ComputeErrors.invalidInput("metadata", action.object["metadata"]!, "is not of type 'object'")
                }
                var changes: [String: String?] = [:]
                for (key, value) in metadata {
                    // Nova's key pattern: ^[a-zA-Z0-9-_:. ]{1,255}$
                    let allowed = key.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || "-_:. ".contains($0) }
                    guard (1...255).contains(key.count), allowed else {
                        throw ComputeErrors.invalidInput(
                            "metadata", .object(metadata), "'\(key)' does not match any of the regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'")
                    }
                    switch value {
                    case .null: changes[key] = .some(nil)
                    case .string(let text) where text.count <= 255: changes[key] = text
                    default:
                        throw ComputeErrors.invalidInput(key, value, "\(value.jsonText()) is not of type 'string', 'null'")
                    }
                }
                updated = try await manager.setAggregateMetadata(auth, id: id, metadata: changes)
            } else {
                throw ComputeErrors.badRequest("There is no such action: \(body.keys.sorted().first ?? "")")
            }
            return Self.respond(["aggregate": Self.aggregateBody(updated, version: Self.version(context))])
        }
    }

    /// An aggregate id is an integer: 400 otherwise, as Nova's `validate_integer`.
    private static func aggregateID(_ context: StratusRequestContext) throws -> Int64 {
        let text = try context.parameters.require("id")
        guard let id = Int64(text) else { throw ComputeErrors.badRequest("Invalid input received: id must be an integer") }
        return id
    }

    /// The name: 1–255 characters, trimmed as Nova's `normalize_name` does.
    private static func aggregateName(_ body: ComputeBody, required: Bool) throws -> String? {
        guard let name = try body.string("name", required: required) else { return nil }
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw ComputeErrors.invalidInput("name", .string(name), "'\(name)' is too short") }
        return trimmed
    }

    static func aggregateBody(_ aggregate: AggregateRecord, version: Microversion) -> JSONValue {
        var body: [String: JSONValue] = [
            "id": .int(aggregate.id), "name": .string(aggregate.name),
            "availability_zone": .optional(aggregate.availabilityZone),
            "hosts": .array(aggregate.hosts.map { .string($0) }),
            "metadata": .object(aggregate.metadata.mapValues { .string($0) }),
            "created_at": .string(aggregate.createdAt.iso8601NoZone),
            "updated_at": .optional(aggregate.updatedAt?.iso8601NoZone), "deleted_at": .null, "deleted": false,
        ]
        if version.isAtLeast(2, 41) { body["uuid"] = .string(aggregate.uuid) }
        return .object(body)
    }
}
