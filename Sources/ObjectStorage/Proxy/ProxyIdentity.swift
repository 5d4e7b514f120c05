import StratusKit

/// Who may use which account, as Swift's keystoneauth and tempauth middlewares decide:
/// a Keystone token scoped to project P with an operator role (`admin`, `member`) owns
/// account `AUTH_P`; the `ResellerAdmin` role may use every account; a TempAuth user owns
/// its own account when its groups include `.admin`, and every account when they include
/// `.reseller_admin`.
struct ProxyIdentity: Sendable, Equatable {
    enum Source: Sendable, Equatable {
        case keystone
        case tempAuth
    }

    /// The account this caller owns, e.g. `AUTH_<project_id>` or `AUTH_test`.
    var account: String?
    var isResellerAdmin: Bool
    /// Names container ACLs may match (Keystone: `project:user` by id or name; TempAuth: the
    /// user's groups).
    var aclNames: [String]
    /// Names account ACLs (`X-Account-Access-Control`) may match: TempAuth's groups
    /// (`account`, `account:user`, the user's other groups). Empty for Keystone tokens:
    /// keystoneauth does not read account ACLs.
    var accountACLNames: [String]
    var source: Source

    static let accountPrefix = "AUTH_"

    init(account: String?, isResellerAdmin: Bool, aclNames: [String] = [], accountACLNames: [String] = [], source: Source = .tempAuth) {
        self.account = account
        self.isResellerAdmin = isResellerAdmin
        self.aclNames = aclNames
        self.accountACLNames = accountACLNames
        self.source = source
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
        accountACLNames = []
        source = .keystone
    }

    /// A TempAuth user's identity; its groups as tempauth lists them: the account name,
    /// `account:user`, the configured groups except `.admin`, and for `.admin` users the
    /// account itself (`AUTH_account`).
    init(tempAuthAccount name: String, user: String, groups: [String]) {
        let account = Self.accountPrefix + name
        let isAdmin = groups.contains(".admin") || groups.contains(".reseller_admin")
        var names = [name, "\(name):\(user)"] + groups.filter { $0 != ".admin" }
        if groups.contains(".admin") { names.append(account) }
        self.init(
            account: isAdmin ? account : nil, isResellerAdmin: groups.contains(".reseller_admin"), aclNames: names,
            accountACLNames: names, source: .tempAuth)
    }

    /// Full control of `account`.
    func owns(_ account: String) -> Bool { isResellerAdmin || self.account == account }
}
