import Foundation
import StratusKit
import Synchronization

/// Swift's v1.0 authentication (`GET /auth/v1.0` with `X-Auth-User: account:user` and
/// `X-Auth-Key`), for tools that speak only v1 auth. Users come from the configuration
/// (`object.tempauth_users`, entries `account:user:key[:group...]`, comma-separated; none by
/// default); tokens (`AUTH_tk…`) live in memory until they expire.
final class TempAuth: Sendable {
    struct User: Sendable {
        var account: String
        var user: String
        var key: String
        var groups: [String]
    }

    struct Session: Sendable {
        var identity: ProxyIdentity
        var expires: Timestamp
    }

    static let tokenPrefix = "AUTH_tk"
    let users: [String: User]
    let tokenLifetime: Double
    private let sessions = Mutex<[String: Session]>([:])

    init(users: [User], tokenLifetime: Double = 86_400) {
        self.users = Dictionary(users.map { ("\($0.account):\($0.user)", $0) }, uniquingKeysWith: { first, _ in first })
        self.tokenLifetime = tokenLifetime
    }

    /// Parses `account:user:key[:group...]` entries; the account gets the `AUTH_` prefix.
    static func parseUsers(_ text: String) throws -> [User] {
        try text.split(separator: ",").map { entry in
            let parts = entry.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 3, !parts[0].isEmpty, !parts[1].isEmpty, !parts[2].isEmpty else {
                throw ConfigError("object.tempauth_users: \"\(entry)\" is not account:user:key[:group...]")
            }
            return User(account: parts[0], user: parts[1], key: parts[2], groups: Array(parts.dropFirst(3)))
        }
    }

    /// A new token for `account:user` when the key matches.
    func authenticate(user name: String, key: String) -> (token: String, account: String, expires: Timestamp)? {
        guard let user = users[name], constantTimeEquals(user.key, key) else { return nil }
        let account = ProxyIdentity.accountPrefix + user.account
        let token = Self.tokenPrefix + Hex.lowercase(IDGenerator.randomBytes(16))
        let expires = Timestamp(microseconds: Timestamp.now().microseconds + Int64(tokenLifetime * 1_000_000))
        let identity = ProxyIdentity(tempAuthAccount: user.account, user: user.user, groups: user.groups)
        sessions.withLock { sessions in
            let now = Timestamp.now()
            sessions = sessions.filter { $0.value.expires > now }
            sessions[token] = Session(identity: identity, expires: expires)
        }
        return (token, account, expires)
    }

    /// The caller a TempAuth token stands for; nil when unknown or expired.
    func identity(token: String) -> ProxyIdentity? {
        sessions.withLock { sessions in
            guard let session = sessions[token] else { return nil }
            guard session.expires > Timestamp.now() else {
                sessions[token] = nil
                return nil
            }
            return session.identity
        }
    }

    private func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
