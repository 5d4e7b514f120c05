import Foundation
import StratusKit

extension IdentityService {
    /// Makes sure a service user exists, as DevStack creates `nova`, `neutron` or `glance`: a
    /// user `name` in the Default domain with `password` and the `admin` role on project
    /// `service` (the project and role come from `bootstrap`, which must have run). Idempotent:
    /// an existing user keeps its id; when its password no longer matches, it is reset and the
    /// user's earlier tokens are revoked. Returns the user's id.
    @discardableResult
    public func ensureServiceUser(name: String, password: String) async throws -> String {
        let store = manager.store
        let existing = try await store.read { q in try await q.user(name: name, domainID: "default") }
        var matches = false
        if let hash = existing?.passwordHash { matches = await manager.hasher.verify(password, hash: hash) }
        let newHash: String? = matches ? nil : try await manager.hasher.hash(password)
        return try await store.write { q in
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
    }
}
