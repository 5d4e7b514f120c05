import StratusKit

/// The agents registry: data-plane agents report their state on start and then every few
/// seconds; one not heard from for `agentDownTime` seconds is shown dead. Availability
/// zones are the zones of the live DHCP (network) and L3 (router) agents.
extension NetworkManager {
    static let agentDownTime: Int64 = 75

    /// An agent's report: registers it on first contact, else refreshes its heartbeat.
    @discardableResult
    func reportAgentState(
        type: String, binary: String, host: String, topic: String, availabilityZone: String?,
        configurations: [String: JSONValue], starting: Bool
    ) async throws -> AgentRecord {
        let now = Timestamp.now()
        return try await write { q in
            if var agent = try await q.agent(type: type, host: host) {
                agent.heartbeatAt = now
                agent.configurations = configurations
                agent.availabilityZone = availabilityZone
                if starting { agent.startedAt = now }
                try await q.save(agent, exists: true)
                return agent
            }
            let agent = AgentRecord(
                id: IDGenerator.uuid(), agentType: type, binary: binary, host: host, topic: topic,
                availabilityZone: availabilityZone, adminStateUp: true, configurations: configurations, description: "",
                startedAt: now, createdAt: now, heartbeatAt: now)
            try await q.save(agent, exists: false)
            return agent
        }
    }

    static func isAlive(_ agent: AgentRecord, at now: Timestamp = .now()) -> Bool {
        now.microseconds - agent.heartbeatAt.microseconds <= agentDownTime * 1_000_000
    }

    func listAgents(auth: AuthContext) async throws -> [AgentRecord] {
        try policy.enforce("get_agent", auth, target: [:])
        return try await read { q in try await q.agents() }
    }

    func getAgent(_ id: String, auth: AuthContext) async throws -> AgentRecord {
        try policy.enforce("get_agent", auth, target: [:])
        guard let agent = try await read({ q in try await q.agents(ids: [id]).first }) else {
            throw APIError(.notFound, "Agent \(id) could not be found.", type: "AgentNotFound")
        }
        return agent
    }

    func updateAgent(_ id: String, adminStateUp: Bool?, description: String?, auth: AuthContext) async throws -> AgentRecord {
        try policy.enforce("update_agent", auth, target: [:])
        return try await write { q in
            guard var agent = try await q.agents(ids: [id]).first else {
                throw APIError(.notFound, "Agent \(id) could not be found.", type: "AgentNotFound")
            }
            if let adminStateUp { agent.adminStateUp = adminStateUp }
            if let description { agent.description = description }
            try await q.save(agent, exists: true)
            return agent
        }
    }

    func deleteAgent(_ id: String, auth: AuthContext) async throws {
        try policy.enforce("delete_agent", auth, target: [:])
        try await write { q in
            guard try await q.agents(ids: [id]).first != nil else {
                throw APIError(.notFound, "Agent \(id) could not be found.", type: "AgentNotFound")
            }
            try await q.delete("agents", id: id)
        }
    }

    /// Zones of the live DHCP agents (resource `network`) and L3 agents (resource `router`).
    func availabilityZones(auth: AuthContext) async throws -> [(name: String, resource: String, available: Bool)] {
        let agents = try await read { q in try await q.agents() }
        var zones: [String: (resource: String, available: Bool)] = [:]
        for agent in agents {
            guard let zone = agent.availabilityZone else { continue }
            let resource: String
            switch agent.agentType {
            case "DHCP agent": resource = "network"
            case "L3 agent": resource = "router"
            default: continue
            }
            let key = resource + "/" + zone
            let alive = Self.isAlive(agent) && agent.adminStateUp
            zones[key] = (resource, (zones[key]?.available ?? false) || alive)
        }
        return zones.sorted { $0.key < $1.key }.map { key, value in
            (String(key.split(separator: "/", maxSplits: 1)[1]), value.resource, value.available)
        }
    }
}
