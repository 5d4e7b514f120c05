/// The request context a message carries: who asked, in which scope, under which request
/// id, as Nova's `RequestContext.to_dict()` renders it for oslo.messaging (`user_id`,
/// `project_id`, `roles`, `request_id`, `global_request_id` ...), plus the trace context.
/// A handler on the other side of the bus sees the caller exactly as the API did.
public struct MessagingContext: Sendable, Hashable {
    public var userID: String?
    public var userDomainID: String?
    public var projectID: String?
    public var projectDomainID: String?
    public var domainID: String?
    /// `all` when the caller holds a system-scoped token.
    public var systemScope: String?
    /// Role names, lowercased as policy checks see them.
    public var roles: [String]
    public var isAdminProject: Bool
    public var requestID: String
    /// The request id of the first service in a chain of requests (`X-OpenStack-Request-ID`
    /// sent by the caller), so one operation can be followed across services.
    public var globalRequestID: String?
    /// The caller's token, for handlers that call other services on the caller's behalf.
    /// Never logged and never put on notifications.
    public var authToken: String?
    public var trace: TraceContext?

    public init(
        userID: String? = nil, userDomainID: String? = nil, projectID: String? = nil, projectDomainID: String? = nil,
        domainID: String? = nil, systemScope: String? = nil, roles: [String] = [], isAdminProject: Bool = false,
        requestID: String = RequestIDGenerator.next(), globalRequestID: String? = nil, authToken: String? = nil,
        trace: TraceContext? = nil
    ) {
        self.userID = userID
        self.userDomainID = userDomainID
        self.projectID = projectID
        self.projectDomainID = projectDomainID
        self.domainID = domainID
        self.systemScope = systemScope
        self.roles = roles
        self.isAdminProject = isAdminProject
        self.requestID = requestID
        self.globalRequestID = globalRequestID
        self.authToken = authToken
        self.trace = trace
    }

    /// The context of an API request: the validated caller and the request's id.
    public init(
        auth: AuthContext, requestID: String, globalRequestID: String? = nil, authToken: String? = nil,
        trace: TraceContext? = nil
    ) {
        var systemScope: String?
        if case .system = auth.scope { systemScope = "all" }
        self.init(
            userID: auth.userID, userDomainID: auth.userDomainID, projectID: auth.projectID,
            projectDomainID: auth.projectDomainID, domainID: auth.domainID, systemScope: systemScope,
            roles: auth.roles.map { $0.name.lowercased() }, isAdminProject: auth.isAdminProject, requestID: requestID,
            globalRequestID: globalRequestID, authToken: authToken, trace: trace)
    }
}
