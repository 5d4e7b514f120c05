import HTTPTypes
import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `POST /os-server-external-events`: what other services tell Compute about its servers
    /// (Neutron's `network-changed` when a port or its floating IP changes). Each event is
    /// answered with its own code: 200 accepted, 404 unknown server, 422 server on no host,
    /// 400 missing tag; the whole answer is 207 when any event failed.
    func registerServerExternalEvents(on router: Router<StratusRequestContext>) {
        router.post("/v2.1/os-server-external-events") { request, context in
            let auth = try context.requireAuth()
            let version = Self.version(context)
            let object = try await Self.body(request, context)
            guard let value = object["events"] else { throw ComputeErrors.badRequest("'events' is a required property") }
            try ComputeBody(name: "body", object: object).onlyAllow(["events"])
            let events = try ServerExternalEventBody.parse(value, version: version)
            let (answers, allAccepted) = try await manager.handleExternalEvents(
                events, auth, requestID: context.requestID)
            return Self.respond(["events": .array(answers)], status: allAccepted ? .ok : HTTPResponse.Status(code: 207, reasonPhrase: "Multi-Status"))
        }
    }
}

/// Reads `events` as Nova's schema for the microversion allows them.
enum ServerExternalEventBody {
    static let statuses: Set<String> = ["failed", "completed", "in-progress"]
    /// Events that name their object in `tag` (a volume, a power state, an accelerator request).
    static let tagRequired: Set<String> = ["volume-extended", "power-update", "accelerator-request-bound"]

    static func names(for version: Microversion) -> [String] {
        var names = ["network-changed", "network-vif-plugged", "network-vif-unplugged", "network-vif-deleted"]
        if version.isAtLeast(2, 51) { names.append("volume-extended") }
        if version.isAtLeast(2, 76) { names.append("power-update") }
        if version.isAtLeast(2, 82) { names.append("accelerator-request-bound") }
        if version.isAtLeast(2, 93) { names.append("volume-reimaged") }
        return names
    }

    static func parse(_ value: JSONValue, version: Microversion) throws -> [ServerExternalEvent] {
        guard let list = value.arrayValue else {
            throw ComputeErrors.invalidInput("events", value, "\(value.jsonText()) is not of type 'array'")
        }
        guard !list.isEmpty else { throw ComputeErrors.invalidInput("events", value, "[] is too short") }
        let known = names(for: version)
        return try list.map { item in
            guard let object = item.objectValue else {
                throw ComputeErrors.invalidInput("events", item, "\(item.jsonText()) is not of type 'object'")
            }
            let body = ComputeBody(name: "events", object: object)
            try body.onlyAllow(["name", "server_uuid", "status", "tag"])
            guard let name = try body.string("name", required: true) else { throw ComputeErrors.badRequest("'name' is a required property") }
            guard known.contains(name) else {
                throw ComputeErrors.invalidInput(
                    "name", .string(name), "'\(name)' is not one of [\(known.map { "'\($0)'" }.joined(separator: ", "))]")
            }
            guard let server = try body.string("server_uuid", required: true) else {
                throw ComputeErrors.badRequest("'server_uuid' is a required property")
            }
            guard UUIDText.isValid(server) else {
                throw ComputeErrors.invalidInput("server_uuid", .string(server), "'\(server)' is not a 'uuid'")
            }
            let status = try body.string("status") ?? "completed"
            guard statuses.contains(status) else {
                throw ComputeErrors.invalidInput("status", .string(status), "'\(status)' is not one of ['failed', 'completed', 'in-progress']")
            }
            return ServerExternalEvent(
                name: name, serverUUID: server, status: status, tag: try body.string("tag", minLength: 0, maxLength: 255))
        }
    }
}
