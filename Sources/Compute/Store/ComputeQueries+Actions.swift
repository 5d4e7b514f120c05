import SQLKit
import StratusKit

/// Instance actions and their events: the record behind `openstack server event list`.
extension ComputeQueries {
    /// Starts an action (e.g. `create`, `reboot`) on a server; returns its id.
    @discardableResult
    func startAction(
        _ action: String, instanceUUID: String, requestID: String, projectID: String, userID: String
    ) async throws -> Int64 {
        let id = try await nextCounterValue("instance_actions")
        let now = Timestamp.now().microseconds
        try await sql.insert(into: "instance_actions")
            .columns("id", "request_id", "action", "instance_uuid", "project_id", "user_id", "start_time", "updated_at")
            .values(
                SQLBind(id), SQLBind(requestID), SQLBind(action), SQLBind(instanceUUID), SQLBind(projectID),
                SQLBind(userID), SQLBind(now), SQLBind(now)
            ).run()
        return id
    }

    /// The latest action with the request id on the server (how a worker finds the action it serves).
    func actionID(instanceUUID: String, requestID: String) async throws -> Int64? {
        try await sql.select().column("id").from("instance_actions").where("instance_uuid", .equal, instanceUUID)
            .where("request_id", .equal, requestID).orderBy("id", .descending).first()
            .map { try $0.decode(column: "id", as: Int64.self) }
    }

    func startEvent(_ event: String, actionID: Int64, host: String?) async throws -> Int64 {
        let id = try await nextCounterValue("instance_action_events")
        try await sql.insert(into: "instance_action_events").columns("id", "action_id", "event", "host", "start_time")
            .values(SQLBind(id), SQLBind(actionID), SQLBind(event), SQLBind(host), SQLBind(Timestamp.now().microseconds))
            .run()
        try await sql.update("instance_actions").set("updated_at", to: SQLBind(Timestamp.now().microseconds))
            .where("id", .equal, actionID).run()
        return id
    }

    /// Finishes an event with `Success` or `Error` (and the error's text as its traceback),
    /// and the action with it; a failed event also sets the action's message to `Error`.
    func finishEvent(_ eventID: Int64, actionID: Int64, error: String?) async throws {
        let now = Timestamp.now().microseconds
        try await sql.update("instance_action_events").set("finish_time", to: SQLBind(now))
            .set("result", to: SQLBind(error == nil ? "Success" : "Error")).set("traceback", to: SQLBind(error))
            .where("id", .equal, eventID).run()
        var update = sql.update("instance_actions").set("finish_time", to: SQLBind(now)).set("updated_at", to: SQLBind(now))
        if error != nil { update = update.set("message", to: SQLBind("Error")) }
        try await update.where("id", .equal, actionID).run()
    }

    private static func action(_ row: any SQLRow) throws -> InstanceActionRecord {
        InstanceActionRecord(
            id: try row.decode(column: "id", as: Int64.self), requestID: try row.string("request_id"),
            action: try row.string("action"), instanceUUID: try row.string("instance_uuid"),
            projectID: try row.string("project_id"), userID: try row.string("user_id"),
            message: try row.optionalString("message"),
            startTime: try row.timestamp("start_time") ?? Timestamp(microseconds: 0),
            finishTime: try row.timestamp("finish_time"),
            updatedAt: try row.timestamp("updated_at") ?? Timestamp(microseconds: 0))
    }

    private static let actionColumns = [
        "id", "request_id", "action", "instance_uuid", "project_id", "user_id", "message", "start_time", "finish_time",
        "updated_at",
    ]

    /// A server's actions, newest first.
    func actions(of instanceUUID: String) async throws -> [InstanceActionRecord] {
        try await sql.select().columns(Self.actionColumns).from("instance_actions")
            .where("instance_uuid", .equal, instanceUUID).orderBy("id", .descending).all().map(Self.action)
    }

    /// One action by its request id, with its events.
    func action(of instanceUUID: String, requestID: String) async throws -> InstanceActionRecord? {
        guard var action = try await sql.select().columns(Self.actionColumns).from("instance_actions")
            .where("instance_uuid", .equal, instanceUUID).where("request_id", .equal, requestID)
            .orderBy("id", .descending).first().map(Self.action)
        else { return nil }
        action.events = try await sql.select()
            .columns("id", "action_id", "event", "result", "traceback", "host", "details", "start_time", "finish_time")
            .from("instance_action_events").where("action_id", .equal, action.id).orderBy("id").all().map { row in
                InstanceActionEvent(
                    id: try row.decode(column: "id", as: Int64.self),
                    actionID: try row.decode(column: "action_id", as: Int64.self), event: try row.string("event"),
                    result: try row.optionalString("result"), traceback: try row.optionalString("traceback"),
                    host: try row.optionalString("host"), details: try row.optionalString("details"),
                    startTime: try row.timestamp("start_time") ?? Timestamp(microseconds: 0),
                    finishTime: try row.timestamp("finish_time"))
            }
        return action
    }
}
