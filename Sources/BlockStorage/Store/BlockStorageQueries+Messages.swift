import Foundation
import SQLKit
import StratusKit

/// User messages about asynchronous failures.
extension BlockStorageQueries {
    static let messageColumns = [
        "id", "project_id", "request_id", "resource_type", "resource_uuid", "event_id", "message_level", "user_message",
        "created_at", "expires_at",
    ]

    static func message(_ row: any SQLRow) throws -> MessageRecord {
        MessageRecord(
            id: try row.string("id"), projectID: try row.string("project_id"), requestID: try row.optionalString("request_id"),
            resourceType: try row.string("resource_type"), resourceUUID: try row.optionalString("resource_uuid"),
            eventID: try row.string("event_id"), messageLevel: try row.string("message_level"),
            userMessage: try row.string("user_message"),
            createdAt: try row.timestamp("created_at") ?? Timestamp(microseconds: 0),
            expiresAt: try row.timestamp("expires_at") ?? Timestamp(microseconds: 0))
    }

    /// Records an error message about a resource's asynchronous failure
    /// (`openstack volume message list`), kept for `ttlSeconds`.
    func recordError(
        _ event: UserMessageEvent, detail: String, resourceType: String, resourceID: String?, projectID: String,
        requestID: String?, ttlSeconds: Int64
    ) async throws {
        let now = Timestamp.now()
        try await insert(
            MessageRecord(
                id: UUID().uuidString.lowercased(), projectID: projectID, requestID: requestID, resourceType: resourceType,
                resourceUUID: resourceID, eventID: event.id, messageLevel: "ERROR", userMessage: event.text(detail),
                createdAt: now, expiresAt: now.adding(seconds: ttlSeconds)))
    }

    func insert(_ message: MessageRecord) async throws {
        let values: [any Encodable & Sendable] = [
            message.id, message.projectID, message.requestID, message.resourceType, message.resourceUUID, message.eventID,
            message.messageLevel, message.userMessage, message.createdAt.microseconds, message.expiresAt.microseconds,
        ]
        try await sql.insert(into: "messages").columns(Self.messageColumns).values(values.map { SQLBind($0) }).run()
    }

    /// Unexpired messages, of one project unless nil, newest first.
    func messages(projectID: String?, now: Timestamp) async throws -> [MessageRecord] {
        var query = sql.select().columns(Self.messageColumns).from("messages")
            .where("expires_at", .greaterThan, now.microseconds)
        if let projectID { query = query.where("project_id", .equal, projectID) }
        return try await query.orderBy("created_at", .descending).all().map(Self.message)
    }

    func message(id: String) async throws -> MessageRecord? {
        try await sql.select().columns(Self.messageColumns).from("messages").where("id", .equal, id).first().map(Self.message)
    }

    func deleteMessage(_ id: String) async throws {
        try await sql.delete(from: "messages").where("id", .equal, id).run()
    }
}
