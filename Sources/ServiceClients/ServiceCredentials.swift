/// Who a service is when it calls other services: a user with a password, scoped to a
/// project (the `service` project, as Nova's `[keystone_authtoken]` and `[placement]`
/// sections configure it), and the Identity v3 root to authenticate at.
public struct ServiceCredentials: Sendable {
    /// The Identity v3 root, e.g. `http://127.0.0.1:5000/v3`.
    public var authURL: String
    public var userName: String
    public var password: String
    public var projectName: String
    public var userDomainID: String
    public var projectDomainID: String
    /// Only endpoints of this region are used, when set.
    public var region: String?

    public init(
        authURL: String, userName: String, password: String, projectName: String, userDomainID: String = "default",
        projectDomainID: String = "default", region: String? = nil
    ) {
        self.authURL = authURL
        self.userName = userName
        self.password = password
        self.projectName = projectName
        self.userDomainID = userDomainID
        self.projectDomainID = projectDomainID
        self.region = region
    }
}
