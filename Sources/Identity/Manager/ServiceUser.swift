import Crypto
import Foundation
import StratusKit

extension IdentityService {
    /// Makes sure a service user exists, as DevStack creates `nova`, `neutron` or `glance`: a
    /// user `name` in the Default domain with `password` and the `admin` role on project
    /// `service` (the project and role come from `bootstrap`, which must have run). Idempotent:
    /// an existing user keeps its id; when its password no longer matches, it is reset and the
    /// user's earlier tokens are revoked. Returns the user's id.
    ///
    /// - Parameter checkFile: where to remember that the stored hash matched `password`, so
    ///   that the next start skips the deliberately slow check (a quarter second of bcrypt at
    ///   cost 12, on the way to serving) while neither has changed. `stratus up` keeps it beside
    ///   the plain password file, with the same permissions.
    @discardableResult
    public func ensureServiceUser(name: String, password: String, checkFile: String? = nil) async throws -> String {
        let store = manager.store
        let existing = try await store.read { q in try await q.user(name: name, domainID: "default") }
        var matches = false
        if let hash = existing?.passwordHash {
            if let checkFile, PasswordCheckRecord(password: password, hash: hash).isSaved(in: checkFile) {
                matches = true
            } else {
                matches = await manager.hasher.verify(password, hash: hash)
            }
        }
        let newHash: String? = matches ? nil : try await manager.hasher.hash(password)
        let userID = try await store.write { q in
            guard let project = try await q.project(name: "service", domainID: "default"),
                let adminRole = try await q.allRoles().first(where: { $0.name == "admin" && $0.domainID == nil })
            else {
                throw IdentityErrors.notFound("project or role", "service/admin (run bootstrap first)")
            }
            let now = Timestamp.now()
            let userID: String
            if var user = try await q.user(name: name, domainID: "default") {
                if let newHash {
                    user.passwordHash = newHash
                    user.passwordCreatedAt = now
                    user.passwordExpiresAt = nil
                    try await q.update(user)
                    try await q.recordPasswordHistory(userID: user.id, hash: newHash, at: now)
                    try await self.manager.revoke(in: q, userID: user.id)
                }
                userID = user.id
            } else {
                let hash = newHash!
                let created = UserRecord(
                    id: IDGenerator.hex(), name: name, domainID: "default", enabled: true, defaultProjectID: project.id,
                    extra: [:], passwordHash: hash, passwordCreatedAt: now, passwordExpiresAt: nil, failedAuthCount: 0,
                    failedAuthAt: nil, createdAt: now, lastActiveAt: nil)
                try await q.insert(created)
                try await q.recordPasswordHistory(userID: created.id, hash: hash, at: now)
                userID = created.id
            }
            try await q.insert(
                AssignmentRecord(type: .userProject, actorID: userID, targetID: project.id, roleID: adminRole.id, inherited: false))
            return userID
        }
        if let checkFile, let hash = newHash ?? existing?.passwordHash {
            try PasswordCheckRecord(password: password, hash: hash).save(in: checkFile)
        }
        return userID
    }
}

/// That a stored password hash was found to match a password: the SHA-256 of the password
/// and the hash, one line each. A fast digest of the password is only kept where the password
/// itself is (the data directory's secret files); it lets a restart skip the slow check.
struct PasswordCheckRecord: Equatable {
    let passwordDigest: String
    let hash: String

    init(password: String, hash: String) {
        passwordDigest = Hex.lowercase(SHA256.hash(data: Array(password.utf8)))
        self.hash = hash
    }

    var text: String { passwordDigest + "\n" + hash + "\n" }

    func isSaved(in file: String) -> Bool {
        (try? String(contentsOfFile: file, encoding: .utf8)) == text
    }

    func save(in file: String) throws {
        guard !isSaved(in: file) else { return }
        try Data(text.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
    }
}
