import Hummingbird
import StratusKit

extension NetworkAPI {
    static func agentBody(_ agent: AgentRecord) -> JSONValue {
        [
            "id": .string(agent.id), "agent_type": .string(agent.agentType), "binary": .string(agent.binary),
            "host": .string(agent.host), "topic": .string(agent.topic), "availability_zone": .optional(agent.availabilityZone),
            "admin_state_up": .bool(agent.adminStateUp), "alive": .bool(NetworkManager.isAlive(agent)),
            "configurations": .object(agent.configurations), "description": .string(agent.description),
            "started_at": .string(agent.startedAt.iso8601NoZone), "created_at": .string(agent.createdAt.iso8601NoZone),
            "heartbeat_timestamp": .string(agent.heartbeatAt.iso8601NoZone), "resources_synced": .null,
        ]
    }

    func registerAgents(on router: Router<StratusRequestContext>) {
        router.get("/v2.0/agents") { request, context in
            let auth = try context.requireAuth()
            let agents = try await manager.listAgents(auth: auth)
            return try NeutronList(request: request).respond("agents", agents.map(Self.agentBody), path: "/v2.0/agents", baseURL: publicURL)
        }
        router.get("/v2.0/agents/{agent_id}") { _, context in
            let auth = try context.requireAuth()
            return respond("agent", Self.agentBody(try await manager.getAgent(try context.parameters.require("agent_id"), auth: auth)))
        }
        router.put("/v2.0/agents/{agent_id}") { request, context in
            var request = request
            let auth = try context.requireAuth()
            let fields = try Self.body(try await request.jsonObject(context: context), "agent", allowed: ["admin_state_up", "description"])
            let agent = try await manager.updateAgent(
                try context.parameters.require("agent_id"), adminStateUp: try fields.bool("admin_state_up"),
                description: try fields.string("description"), auth: auth)
            return respond("agent", Self.agentBody(agent))
        }
        router.delete("/v2.0/agents/{agent_id}") { _, context in
            let auth = try context.requireAuth()
            try await manager.deleteAgent(try context.parameters.require("agent_id"), auth: auth)
            return JSONResponse.empty()
        }
        router.get("/v2.0/availability_zones") { request, context in
            let auth = try context.requireAuth()
            let zones = try await manager.availabilityZones(auth: auth)
            let bodies: [JSONValue] = zones.map { zone in
                ["name": .string(zone.name), "resource": .string(zone.resource), "state": zone.available ? "available" : "unavailable"]
            }
            return try NeutronList(request: request).respond(
                "availability_zones", bodies, path: "/v2.0/availability_zones", baseURL: publicURL)
        }
    }
}
