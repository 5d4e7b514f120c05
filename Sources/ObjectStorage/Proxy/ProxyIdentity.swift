import StratusKit

/// Who may use which account, as Swift's keystoneauth and tempauth middlewares decide:
/// a Keystone token scoped to project P with an operator role (`admin`, `member`) owns
/// account `AUTH_P`; the `ResellerAdmin` role may use every account; a TempAuth user owns
/// its own account, and is reseller admin when its groups include `.reseller_admin`.
struct ProxyIdentity: Sendable, Equatable {
    /// The account this caller owns, e.g. `AUTH_<project_id>` or `AUTH_test`.
    var account: String?
    var isResellerAdmin: Bool
    /// `project:user` style names ACLs may match (Keystone: project id and user id).
    var aclNames: [String]

    static let accountPrefix = "AUTH_"

    init(account: String?, isResellerAdmin: Bool, aclNames: [String] = []) {
        self.account = account
        self.isResellerAdmin = isResellerAdmin
        self.aclNames = aclNames
    }

    init(keystone auth: AuthContext, operatorRoles: Set<String>, resellerAdminRole: String) {
        let roles = Set(auth.roles.map { $0.name.lowercased() })
        let isOperator = !roles.isDisjoint(with: operatorRoles.map { $0.lowercased() })
        account = auth.projectID.flatMap { isOperator ? Self.accountPrefix + $0 : nil }
        isResellerAdmin = roles.contains(resellerAdminRole.lowercased())
        // ACL elements may name the project and user by id or by name.
        if case .project(let id, let name, _, _) = auth.scope {
            aclNames = ["\(id):\(auth.userID)", "\(id):*", "*:\(auth.userID)", "\(name):\(auth.userName)", "\(name):*", "*:\(auth.userName)"]
        } else {
            aclNames = []
        }
    }

    /// Full control of `account`.
    func owns(_ account: String) -> Bool { isResellerAdmin || self.account == account }
}
