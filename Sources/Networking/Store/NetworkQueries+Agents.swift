import SQLKit
import StratusKit

extension NetworkQueries {
    static func agent(_ row: any SQLRow) throws -> AgentRecord {
        AgentRecord(
            id: try row.string("id"), agentType: try row.string("agent_type"), binary: try row.string("binary"),
            host: try row.string("host"), topic: try row.string("topic"),
            availabilityZone: try row.optionalString("availability_zone"), adminStateUp: try row.bool("admin_state_up"),
            configurations: try row.extra("configurations"), description: try row.string("description"),
            startedAt: try row.timestamp("started_at") ?? Timestamp(microseconds: 0),
            createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0),
            heartbeatAt: try row.timestamp("heartbeat_at") ?? Timestamp(microseconds: 0))
    }

    func agents(ids: [String]? = nil) async throws -> [AgentRecord] {
        var query = sql.select().columns("*").from("agents")
        if let ids {
            guard !ids.isEmpty else { return [] }
            query = query.where("id", .in, ids)
        }
        return try await query.orderBy("agent_type").orderBy("host").all().map { try Self.agent($0) }
    }

    func agent(type: String, host: String) async throws -> AgentRecord? {
        try await sql.select().columns("*").from("agents").where("agent_type", .equal, type).where("host", .equal, host)
            .first().map { try Self.agent($0) }
    }

    func save(_ agent: AgentRecord, exists: Bool) async throws {
        let columns: [(String, any SQLExpression)] = [
            ("id", SQLBind(agent.id)), ("agent_type", SQLBind(agent.agentType)), ("binary", SQLBind(agent.binary)),
            ("host", SQLBind(agent.host)), ("topic", SQLBind(agent.topic)),
            ("availability_zone", SQLBind(agent.availabilityZone)), ("admin_state_up", SQLBind(agent.adminStateUp)),
            ("configurations", SQLBind(agent.configurations.jsonText)), ("description", SQLBind(agent.description)),
            ("started_at", SQLBind(agent.startedAt.microseconds)), ("created_at", SQLBind(agent.createdAt.microseconds)),
            ("heartbeat_at", SQLBind(agent.heartbeatAt.microseconds)),
        ]
        try await upsert("agents", id: agent.id, columns, exists: exists)
    }
}
