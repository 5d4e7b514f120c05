import Foundation
import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `/os-services`: list (filters `host`, `binary`), update (the `enable`, `disable`,
    /// `disable-log-reason` and, from 2.11, `force-down` actions before 2.53; by uuid from
    /// 2.53) and delete. Ids are integers before 2.53, uuids from it.
    func registerServices(on router: Router<StratusRequestContext>) {
        router.get("/v2.1/os-services") { request, context in
            let auth = try context.requireAuth()
            let version = Self.version(context)
            let services = try await manager.listServices(auth, host: request.query("host"), binary: request.query("binary"))
            return Self.respond(["services": .array(services.map { Self.serviceBody($0, version: version) })])
        }
        router.put("/v2.1/os-services/{id}") { request, context in
            let auth = try context.requireAuth()
            let version = Self.version(context)
            let id = try context.parameters.require("id")
            let body = try await Self.body(request, context)
            if version.isAtLeast(2, 53) {
                guard UUID(uuidString: id) != nil else { throw ComputeErrors.badRequest("Invalid uuid \(id)") }
                let update = try Self.serviceUpdate(body)
                let service = try await manager.updateService(auth, uuid: id, update)
                return Self.respond(["service": Self.serviceBody(service, version: version)])
            }
            return try await legacyServiceAction(id, body, auth, version: version)
        }
        router.delete("/v2.1/os-services/{id}") { _, context in
            let auth = try context.requireAuth()
            let id = try context.parameters.require("id")
            let byUUID = Self.version(context).isAtLeast(2, 53)
            if byUUID {
                guard UUID(uuidString: id) != nil else { throw ComputeErrors.badRequest("Invalid uuid \(id)") }
            } else {
                guard Int64(id) != nil else { throw ComputeErrors.badRequest("Invalid input received: id must be an integer") }
            }
            try await manager.deleteService(auth, id: id, byUUID: byUUID)
            return JSONResponse.empty(.noContent)
        }
    }

    /// `PUT /os-services/{action}` before 2.53: the service is named by host and binary.
    private func legacyServiceAction(
        _ action: String, _ body: [String: JSONValue], _ auth: AuthContext, version: Microversion
    ) async throws -> Response {
        let actions: Set<String> =
            version.isAtLeast(2, 11) ? ["enable", "disable", "disable-log-reason", "force-down"] : ["enable", "disable", "disable-log-reason"]
        guard actions.contains(action) else { throw ComputeErrors.notFound("Unknown action") }
        let request = ComputeBody(name: "body", object: body)
        var allowed: Set<String> = ["host", "binary"]
        if action == "disable-log-reason" { allowed.insert("disabled_reason") }
        if action == "force-down" { allowed.insert("forced_down") }
        try request.onlyAllow(allowed)
        let host = try request.string("host", required: true)!
        let binary = try request.string("binary", required: true)!
        var update = ComputeManager.ServiceUpdate()
        var reply: [String: JSONValue] = ["host": .string(host), "binary": .string(binary)]
        switch action {
        case "enable":
            update.disabled = false
            reply["status"] = "enabled"
        case "disable":
            update.disabled = true
            reply["status"] = "disabled"
        case "disable-log-reason":
            guard let reason = try request.string("disabled_reason") else {
                throw ComputeErrors.badRequest("Missing disabled reason field")
            }
            update.disabled = true
            update.disabledReason = reason
            reply["status"] = "disabled"
            reply["disabled_reason"] = .string(reason)
        default:
            guard let forced = try request.boolean("forced_down") else { throw ComputeErrors.badRequest("Missing forced_down field") }
            update.forcedDown = forced
            reply["forced_down"] = .bool(forced)
        }
        _ = try await manager.updateService(auth, host: host, binary: binary, update)
        return Self.respond(["service": .object(reply)])
    }

    /// The 2.53 body: `status` (`enabled`/`disabled`), `disabled_reason`, `forced_down`.
    private static func serviceUpdate(_ body: [String: JSONValue]) throws -> ComputeManager.ServiceUpdate {
        let request = ComputeBody(name: "body", object: body)
        try request.onlyAllow(["status", "disabled_reason", "forced_down"])
        var update = ComputeManager.ServiceUpdate()
        if let value = body["status"] {
            guard let status = value.stringValue, status == "enabled" || status == "disabled" else {
                throw ComputeErrors.invalidInput("status", value, "\(value.jsonText()) is not one of ['enabled', 'disabled']")
            }
            let reason = try request.string("disabled_reason")
            if status == "enabled", let reason, !reason.isEmpty {
                throw ComputeErrors.badRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.")
            }
            update.disabled = status == "disabled"
            update.disabledReason = reason
        }
        if body["forced_down"] != nil { update.forcedDown = try request.boolean("forced_down") }
        guard update.disabled != nil || update.forcedDown != nil else {
            throw ComputeErrors.badRequest("No updates were requested. Fields 'status' or 'forced_down' should be specified.")
        }
        return update
    }

    static func serviceBody(_ view: ServiceView, version: Microversion) -> JSONValue {
        let service = view.record
        var body: [String: JSONValue] = [
            "id": version.isAtLeast(2, 53) ? .string(service.uuid) : .int(service.id), "binary": .string(service.binary),
            "host": .string(service.host), "zone": .string(view.zone), "status": service.disabled ? "disabled" : "enabled",
            "state": view.isUp ? "up" : "down",
            "updated_at": .optional(service.updatedAt?.iso8601NoZone),
            "disabled_reason": .optional(service.disabledReason),
        ]
        if version.isAtLeast(2, 11) { body["forced_down"] = .bool(service.forcedDown) }
        return .object(body)
    }
}
