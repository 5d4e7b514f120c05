/// The context on the wire: each field a `_context_<name>` key of the message, as
/// oslo.messaging packs a context, named as oslo.context's and Nova's `to_dict()` name them
/// (`user_id` and `user`, `project_id` and `project`, `user_domain`, `project_domain`,
/// `domain`, `system_scope`, `roles`, `is_admin_project`, `request_id`,
/// `global_request_id`, `auth_token`); the trace context as `_traceparent` and `_tracestate`.
extension MessagingContext {
    static let contextPrefix = "_context_"

    /// The message keys of this context; without the token when `includingToken` is false
    /// (notifications never carry it).
    func wireFields(includingToken: Bool) -> [String: JSONValue] {
        var context: [String: JSONValue] = [
            "user_id": .optional(userID), "user": .optional(userID), "user_domain": .optional(userDomainID),
            "project_id": .optional(projectID), "project": .optional(projectID),
            "project_domain": .optional(projectDomainID), "domain": .optional(domainID),
            "system_scope": .optional(systemScope),
            "roles": .array(roles.map(JSONValue.string)), "is_admin_project": .bool(isAdminProject),
            "request_id": .string(requestID), "global_request_id": .optional(globalRequestID),
        ]
        if includingToken { context["auth_token"] = .optional(authToken) }
        var fields: [String: JSONValue] = [:]
        for (key, value) in context { fields[Self.contextPrefix + key] = value }
        if let trace {
            fields["_traceparent"] = .string(trace.traceparent)
            if let state = trace.tracestate { fields["_tracestate"] = .string(state) }
        }
        return fields
    }

    /// The context packed into `message`; a message without a request id gets a new one.
    init(wireFields message: [String: JSONValue]) {
        func string(_ key: String) -> String? { message[Self.contextPrefix + key]?.stringValue }
        self.init(
            userID: string("user_id") ?? string("user"), userDomainID: string("user_domain"),
            projectID: string("project_id") ?? string("project"), projectDomainID: string("project_domain"),
            domainID: string("domain"),
            systemScope: string("system_scope"),
            roles: message[Self.contextPrefix + "roles"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            isAdminProject: message[Self.contextPrefix + "is_admin_project"]?.boolValue ?? false,
            requestID: string("request_id") ?? RequestIDGenerator.next(),
            globalRequestID: string("global_request_id"), authToken: string("auth_token"),
            trace: message["_traceparent"]?.stringValue.flatMap {
                TraceContext(traceparent: $0, tracestate: message["_tracestate"]?.stringValue)
            })
    }
}
