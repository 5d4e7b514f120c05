import Foundation
import StratusKit

extension IdentityManager {
    func requireUser(_ id: String, in q: IdentityQueries) async throws -> UserRecord {
        guard let user = try await q.user(id: id) else { throw IdentityErrors.notFound("user", id) }
        return user
    }

    /// Refuses a password that breaks the configured regex.
    func checkPasswordStrength(_ password: String) throws {
        guard let pattern = settings.compliance.passwordRegex else { return }
        guard let regex = try? Regex(pattern), (try? regex.wholeMatch(in: password)) != nil else {
            let description = settings.compliance.passwordRegexDescription ?? "The password does not match the required pattern."
            throw APIError.badRequest("Password validation error: \(description)")
        }
    }

    /// The expiry a password set now gets: none, the configured age, or now when the user
    /// must change it on first use (only when an admin sets it).
    private func passwordExpiry(setByAdmin: Bool, now: Timestamp) -> Timestamp? {
        if setByAdmin, settings.compliance.changePasswordUponFirstUse { return now }
        let days = settings.compliance.passwordExpiresDays
        return days > 0 ? now.adding(seconds: Int64(days) * 86400) : nil
    }

    func createUser(_ draft: UserRecord, password: String?, auth: AuthContext) async throws -> UserRecord {
        try policy.enforce("identity:create_user", auth, target: PolicyTargets.user(draft))
        var user = draft
        if let password {
            try checkPasswordStrength(password)
            let now = Timestamp.now()
            user.passwordHash = try await hasher.hash(password)
            user.passwordCreatedAt = now
            user.passwordExpiresAt = passwordExpiry(setByAdmin: true, now: now)
        }
        let created = user
        return try await store.write { q in
            _ = try await self.requireDomain(created.domainID, in: q)
            if let project = created.defaultProjectID { _ = try await self.requireProject(project, in: q) }
            if try await q.user(name: created.name, domainID: created.domainID) != nil {
                throw IdentityErrors.duplicate("user", "Duplicate entry found with name \(created.name) at domain ID \(created.domainID)")
            }
            try await q.insert(created)
            if let hash = created.passwordHash, let at = created.passwordCreatedAt {
                try await q.recordPasswordHistory(userID: created.id, hash: hash, at: at)
            }
            return created
        }
    }

    func updateUser(
        _ id: String, password: String?, auth: AuthContext, change: @escaping @Sendable (inout UserRecord) throws -> Void
    ) async throws -> UserRecord {
        var newHash: String?
        if let password {
            try checkPasswordStrength(password)
            newHash = try await hasher.hash(password)
        }
        let hash = newHash
        return try await store.write { q in
            var user = try await self.requireUser(id, in: q)
            try self.policy.enforce("identity:update_user", auth, target: PolicyTargets.user(user))
            let wasEnabled = user.enabled
            try change(&user)
            if let project = user.defaultProjectID { _ = try await self.requireProject(project, in: q) }
            if let other = try await q.user(name: user.name, domainID: user.domainID), other.id != id {
                throw IdentityErrors.duplicate("user", "Duplicate entry found with name \(user.name) at domain ID \(user.domainID)")
            }
            if let hash {
                let now = Timestamp.now()
                user.passwordHash = hash
                user.passwordCreatedAt = now
                user.passwordExpiresAt = self.passwordExpiry(setByAdmin: true, now: now)
                user.failedAuthCount = 0
                user.failedAuthAt = nil
                try await q.recordPasswordHistory(userID: id, hash: hash, at: now)
            }
            if wasEnabled, !user.enabled {
                user.failedAuthCount = 0
            }
            try await q.update(user)
            if (wasEnabled && !user.enabled) || hash != nil { try await self.revoke(in: q, userID: id) }
            return user
        }
    }

    /// `POST /v3/users/{id}/password`: the user proves the original password and sets a
    /// new one that passes the strength, history and minimum-age rules.
    func changeOwnPassword(userID: String, original: String, new password: String) async throws {
        guard let user = try await store.read({ q in try await q.user(id: userID) }), let current = user.passwordHash,
            await hasher.verify(original, hash: current)
        else {
            throw IdentityErrors.unauthorized("The request you have made requires authentication. Invalid original password.")
        }
        guard user.enabled else { throw IdentityErrors.unauthorized("The account is disabled for user: \(userID).") }
        try checkPasswordStrength(password)
        let compliance = settings.compliance
        let now = Timestamp.now()
        if compliance.minimumPasswordAge > 0, let created = user.passwordCreatedAt,
            now < created.adding(seconds: Int64(compliance.minimumPasswordAge) * 86400)
        {
            throw APIError.badRequest(
                "You cannot change your password at this time due to the minimum password age. Once you change your password, it must be used for \(compliance.minimumPasswordAge) day(s) before it can be changed.")
        }
        let history = try await store.read { q in
            try await q.passwordHistory(userID: userID, limit: max(compliance.uniqueLastPasswordCount, 1))
        }
        for old in history where await hasher.verify(password, hash: old) {
            throw APIError.badRequest(
                "Password validation error: The new password cannot be identical to a previous password. The total number which includes the new password must be unique is \(compliance.uniqueLastPasswordCount).")
        }
        let hash = try await hasher.hash(password)
        try await store.write { q in
            var user = try await self.requireUser(userID, in: q)
            user.passwordHash = hash
            user.passwordCreatedAt = now
            user.passwordExpiresAt = self.passwordExpiry(setByAdmin: false, now: now)
            user.failedAuthCount = 0
            user.failedAuthAt = nil
            try await q.update(user)
            try await q.recordPasswordHistory(userID: userID, hash: hash, at: now)
            try await self.revoke(in: q, userID: userID)
        }
    }

    func deleteUser(_ id: String, auth: AuthContext) async throws {
        try await store.write { q in
            let user = try await self.requireUser(id, in: q)
            try self.policy.enforce("identity:delete_user", auth, target: PolicyTargets.user(user))
            try await q.deleteUser(id: id)
            try await self.revoke(in: q, userID: id)
        }
    }
}
