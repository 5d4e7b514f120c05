import SQLKit
import StratusKit

extension ImageQueries {
    static let taskColumns = [
        "id", "type", "status", "owner", "input", "result", "message", "image_id", "user_id", "request_id",
        "expires_at", "created_at", "updated_at",
    ]

    static func task(_ row: any SQLRow) throws -> TaskRecord {
        TaskRecord(
            id: try row.string("id"), type: try row.string("type"),
            status: TaskStatus(rawValue: try row.string("status")) ?? .failure, owner: try row.string("owner"),
            input: JSONValue.parse(try row.string("input")) ?? .object([:]),
            result: try row.optionalString("result").flatMap(JSONValue.parse), message: try row.string("message"),
            imageID: try row.optionalString("image_id"), userID: try row.optionalString("user_id"),
            requestID: try row.optionalString("request_id"), expiresAt: try row.timestamp("expires_at"),
            createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0),
            updatedAt: try row.timestamp("updated_at") ?? Timestamp(microseconds: 0))
    }

    private static func values(_ task: TaskRecord) -> [any SQLExpression] {
        [
            SQLBind(task.id), SQLBind(task.type), SQLBind(task.status.rawValue), SQLBind(task.owner),
            SQLBind(task.input.jsonText()), SQLBind(task.result?.jsonText()), SQLBind(task.message),
            SQLBind(task.imageID), SQLBind(task.userID), SQLBind(task.requestID), SQLBind(task.expiresAt?.microseconds),
            SQLBind(task.createdAt.microseconds), SQLBind(task.updatedAt.microseconds),
        ]
    }

    func insert(_ task: TaskRecord) async throws {
        try await sql.insert(into: "tasks").columns(Self.taskColumns).values(Self.values(task)).run()
    }

    func update(_ task: TaskRecord) async throws {
        var query = sql.update("tasks")
        for (column, value) in zip(Self.taskColumns, Self.values(task)) where column != "id" {
            query = query.set(SQLIdentifier(column), to: value)
        }
        try await query.where("id", .equal, task.id).run()
    }

    func task(id: String) async throws -> TaskRecord? {
        try await sql.select().columns("*").from("tasks").where("id", .equal, id).first().map(Self.task)
    }

    /// Tasks newest first, optionally of one owner, type, status or image.
    func tasks(owner: String?, type: String?, status: String?, imageID: String?) async throws -> [TaskRecord] {
        var query = sql.select().columns("*").from("tasks")
        if let owner { query = query.where("owner", .equal, owner) }
        if let type { query = query.where("type", .equal, type) }
        if let status { query = query.where("status", .equal, status) }
        if let imageID { query = query.where("image_id", .equal, imageID) }
        return try await query.orderBy("created_at", .descending).orderBy("id", .descending).all().map(Self.task)
    }

    /// Removes finished tasks whose `expires_at` has passed.
    func purgeExpiredTasks(before now: Timestamp) async throws {
        try await sql.delete(from: "tasks").where("expires_at", .lessThan, now.microseconds).run()
    }

    /// Tasks left pending or processing by a stopped server.
    func unfinishedTasks() async throws -> [TaskRecord] {
        try await sql.select().columns("*").from("tasks")
            .where("status", .in, [TaskStatus.pending.rawValue, TaskStatus.processing.rawValue]).all().map(Self.task)
    }
}
