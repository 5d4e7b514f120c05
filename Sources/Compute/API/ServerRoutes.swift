import Foundation
import Hummingbird
import StratusKit

extension ComputeAPI {
    /// `/servers`: create, list, detail, show, update, delete.
    func registerServers(on router: Router<StratusRequestContext>) {
        router.get("/v2.1/servers") { request, context in try await listServers(request, context, detail: false) }
        router.get("/v2.1/servers/detail") { request, context in try await listServers(request, context, detail: true) }
        router.post("/v2.1/servers") { request, context in
            let auth = try context.requireAuth()
            let version = Self.version(context)
            let parsed = try ServerCreateBody.parse(try await Self.body(request, context), version: version)
            let created = try await manager.createServers(
                parsed, auth, token: Self.callerToken(request), requestID: context.requestID, version: version)
            if parsed.returnReservationID {
                return Self.respond(["reservation_id": .string(created.reservationID)], status: .accepted)
            }
            guard let first = created.instances.first else { throw ComputeErrors.badRequest("No server was created.") }
            var server: [String: JSONValue] = [
                "id": .string(first.uuid), "links": ComputeWire.links(self, "servers", first.uuid),
                "OS-DCF:diskConfig": "MANUAL",
                "security_groups": .array(first.request.securityGroupNames.map { ["name": .string($0)] }),
            ]
            if let adminPass = created.adminPass { server["adminPass"] = .string(adminPass) }
            var response = Self.respond(["server": .object(server)], status: .accepted)
            response.headers[.location] = "\(versionedURL)/servers/\(first.uuid)"
            return response
        }
        router.get("/v2.1/servers/{server_id}") { _, context in
            let auth = try context.requireAuth()
            let (instance, fault) = try await manager.server(try context.parameters.require("server_id"), auth)
            let volumes = try await manager.volumeAttachments(of: [instance.uuid])[instance.uuid] ?? []
            return Self.respond([
                "server": ServerWire.detail(
                    instance, fault: fault, self, version: Self.version(context), isAdmin: manager.policy.isAdmin(auth),
                    volumes: volumes)
            ])
        }
        router.put("/v2.1/servers/{server_id}") { request, context in
            let auth = try context.requireAuth()
            let version = Self.version(context)
            let body = try ComputeBody(try await Self.body(request, context), member: "server")
            var allowed: Set<String> = ["name", "accessIPv4", "accessIPv6", "OS-DCF:diskConfig"]
            if version.isAtLeast(2, 19) { allowed.insert("description") }
            if version.isAtLeast(2, 90) { allowed.insert("hostname") }
            try body.onlyAllow(allowed)
            let description: String?? = body.has("description") ? .some(body.object["description"]?.stringValue) : .none
            let accessIPv4: String?? = body.has("accessIPv4") ? .some(try body.string("accessIPv4", minLength: 0)) : .none
            let accessIPv6: String?? = body.has("accessIPv6") ? .some(try body.string("accessIPv6", minLength: 0)) : .none
            let instance = try await manager.updateServer(
                try context.parameters.require("server_id"), name: try body.string("name"), description: description,
                hostname: try body.string("hostname"), accessIPv4: accessIPv4, accessIPv6: accessIPv6, auth)
            let volumes = try await manager.volumeAttachments(of: [instance.uuid])[instance.uuid] ?? []
            return Self.respond([
                "server": ServerWire.detail(
                    instance, fault: nil, self, version: version, isAdmin: manager.policy.isAdmin(auth), volumes: volumes)
            ])
        }
        router.delete("/v2.1/servers/{server_id}") { request, context in
            let auth = try context.requireAuth()
            try await manager.deleteServer(
                try context.parameters.require("server_id"), auth, token: Self.callerToken(request), requestID: context.requestID)
            return JSONResponse.empty(.noContent)
        }
        router.get("/v2.1/servers/{server_id}/os-instance-actions") { _, context in
            let auth = try context.requireAuth()
            let actions = try await manager.instanceActions(try context.parameters.require("server_id"), auth)
            let version = Self.version(context)
            return Self.respond([
                "instanceActions": .array(actions.map { ServerWire.action($0, version: version, events: false, eventDetails: false) })
            ])
        }
        router.get("/v2.1/servers/{server_id}/os-instance-actions/{request_id}") { _, context in
            let auth = try context.requireAuth()
            let (action, details) = try await manager.instanceAction(
                try context.parameters.require("server_id"), requestID: try context.parameters.require("request_id"), auth)
            return Self.respond([
                "instanceAction": ServerWire.action(action, version: Self.version(context), events: true, eventDetails: details)
            ])
        }
    }

    private func listServers(_ request: Request, _ context: StratusRequestContext, detail: Bool) async throws -> Response {
        let auth = try context.requireAuth()
        let version = Self.version(context)
        let items: [(name: String, value: String)] = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        let query = try ServerListQuery(items, version: version)
        let (servers, faults) = try await manager.listServers(auth, query, detail: detail)
        let isAdmin = manager.policy.isAdmin(auth)
        let volumes = detail ? try await manager.volumeAttachments(of: servers.map(\.uuid)) : [:]
        let rendered = servers.map {
            detail
                ? ServerWire.detail(
                    $0, fault: faults[$0.uuid], self, version: version, isAdmin: isAdmin, volumes: volumes[$0.uuid] ?? [])
                : ServerWire.summary($0, self)
        }
        var body: [String: JSONValue] = ["servers": .array(rendered)]
        if query.page.isFull(servers.count), let last = servers.last {
            body["servers_links"] = ComputeWire.nextLinks(
                versionedURL + (detail ? "/servers/detail" : "/servers"), request, marker: last.uuid)
        }
        return Self.respond(.object(body))
    }
}
