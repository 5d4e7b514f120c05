import Hummingbird
import StratusKit

extension BlockStorageAPI {
    /// `/messages`, `/os-availability-zone`, `/os-services` and `/scheduler-stats/get_pools`.
    func registerOperatorViews(on router: Router<StratusRequestContext>) {
        for path in Self.paths("/messages") {
            router.get(path) { _, context in
                let auth = try Self.auth(context)
                try policy.enforce("message:get_all", auth)
                let project = policy.isAdmin(auth) ? nil : auth.projectID
                let messages = try await manager.read { try await $0.messages(projectID: project, now: .now()) }
                return Self.respond(["messages": .array(messages.map(messageBody))])
            }
        }
        for path in Self.paths("/messages/{message_id}") {
            router.get(path) { _, context in
                let message = try await visibleMessage(context, rule: "message:get")
                return Self.respond(["message": messageBody(message)])
            }
            router.delete(path) { _, context in
                let message = try await visibleMessage(context, rule: "message:delete")
                try await manager.write { try await $0.deleteMessage(message.id) }
                return Response(status: .noContent)
            }
        }
        for path in Self.paths("/os-availability-zone") {
            router.get(path) { _, context in
                let auth = try Self.auth(context)
                try policy.enforce("volume_extension:availability_zone_list", auth)
                let zones = try await manager.availabilityZones().sorted()
                return Self.respond([
                    "availabilityZoneInfo": .array(zones.map { ["zoneName": .string($0), "zoneState": ["available": true]] })
                ])
            }
        }
        for path in Self.paths("/os-services") {
            router.get(path) { request, context in
                let auth = try Self.auth(context)
                try policy.enforce("volume_extension:services:index", auth)
                let now = Timestamp.now()
                let version = Self.version(context)
                let down = manager.settings.serviceDownTimeSeconds * 1_000_000
                let services = try await manager.read { try await $0.services() }.filter { service in
                    (request.query("binary").map { $0 == service.binary } ?? true)
                        && (request.query("host").map { $0 == service.host } ?? true)
                }
                return Self.respond([
                    "services": .array(
                        services.map { service in
                            var body: [String: JSONValue] = [
                                "binary": .string(service.binary), "host": .string(service.host),
                                "zone": .string(service.availabilityZone),
                                "status": service.disabled ? "disabled" : "enabled",
                                "state": now.microseconds - service.updatedAt.microseconds <= down ? "up" : "down",
                                "updated_at": .string(service.updatedAt.iso8601NoZone),
                                "disabled_reason": service.disabledReason.map(JSONValue.string) ?? .null,
                            ]
                            if version.isAtLeast(3, 7) { body["cluster"] = .null }
                            if version.isAtLeast(3, 49), service.binary == "cinder-volume" { body["backend_state"] = "up" }
                            return .object(body)
                        })
                ])
            }
        }
        for path in Self.paths("/scheduler-stats/get_pools") {
            router.get(path) { request, context in
                let auth = try Self.auth(context)
                try policy.enforce("scheduler_extension:scheduler_stats:get_pools", auth)
                let detail = try Self.flag(request.query("detail").map(JSONValue.string), "detail") ?? false
                let pools = try await manager.read { try await $0.pools() }
                let provisioned = try await manager.read { try await $0.provisionedGB() }
                return Self.respond([
                    "pools": .array(
                        pools.map { pool in
                            var entry: [String: JSONValue] = ["name": .string(pool.name)]
                            if detail { entry["capabilities"] = poolCapabilities(pool, provisionedGB: provisioned[pool.name] ?? 0) }
                            return .object(entry)
                        })
                ])
            }
        }
    }

    private func visibleMessage(_ context: StratusRequestContext, rule: String) async throws -> MessageRecord {
        let auth = try Self.auth(context)
        let id = try context.parameters.require("message_id")
        guard let message = try await manager.read({ try await $0.message(id: id) }),
            policy.isAdmin(auth) || message.projectID == auth.projectID
        else { throw BlockStorageErrors.notFound("Message \(id) could not be found.") }
        try policy.enforce(rule, auth, projectID: message.projectID)
        return message
    }

    func messageBody(_ message: MessageRecord) -> JSONValue {
        [
            "id": .string(message.id), "event_id": .string(message.eventID), "user_message": .string(message.userMessage),
            "message_level": .string(message.messageLevel), "resource_type": .string(message.resourceType),
            "resource_uuid": message.resourceUUID.map(JSONValue.string) ?? .null,
            "created_at": .string(message.createdAt.iso8601NoZone),
            "guaranteed_until": .string(message.expiresAt.iso8601NoZone),
            "request_id": message.requestID.map(JSONValue.string) ?? .null,
            "links": [
                ["rel": "self", "href": .string("\(publicURL)/v3/\(message.projectID)/messages/\(message.id)")],
                ["rel": "bookmark", "href": .string("\(publicURL)/\(message.projectID)/messages/\(message.id)")],
            ],
        ]
    }

    /// A pool's capabilities as `get_pools?detail=True` shows them.
    func poolCapabilities(_ pool: PoolRecord, provisionedGB: Int64) -> JSONValue {
        let report = pool.report
        var capabilities: [String: JSONValue] = report.capabilities.mapValues(JSONValue.string)
        capabilities["pool_name"] = .string(report.pool)
        capabilities["total_capacity_gb"] = .double(report.totalCapacityGB)
        capabilities["free_capacity_gb"] = .double(report.freeCapacityGB)
        capabilities["allocated_capacity_gb"] = .int(provisionedGB)
        capabilities["provisioned_capacity_gb"] = .int(provisionedGB)
        capabilities["reserved_percentage"] = .int(Int64(report.reservedPercentage))
        capabilities["max_over_subscription_ratio"] = .string(String(report.maxOverSubscriptionRatio))
        capabilities["thin_provisioning_support"] = .bool(report.thinProvisioning)
        capabilities["thick_provisioning_support"] = .bool(!report.thinProvisioning)
        capabilities["timestamp"] = .string(pool.updatedAt.iso8601NoZone)
        capabilities["driver_version"] = "1.0"
        capabilities["vendor_name"] = "Stratus"
        return .object(capabilities)
    }
}
