import Logging
import StratusKit

/// The Identity service's logic: validation, policy, state changes. The API layer
/// parses requests into its arguments and renders what it returns.
final class IdentityManager: Sendable {
    let store: IdentityStore
    let tokens: TokenProvider
    let policy: IdentityPolicy
    let hasher: PasswordHasher
    let settings: IdentitySettings
    let revocations: RevocationList
    let credentialKeys: FernetKeyRepository
    let logger: Logger
    /// Users and projects named in authentication requests, per store generation.
    let authLookups = GenerationCache<AuthLookup>()
    /// Project listings by filter, per store generation.
    let projectLists = GenerationCache<[ProjectRecord]>(limit: 1000)

    init(
        store: IdentityStore, tokens: TokenProvider, policy: IdentityPolicy, settings: IdentitySettings,
        revocations: RevocationList, credentialKeys: FernetKeyRepository, logger: Logger
    ) {
        self.store = store
        self.tokens = tokens
        self.policy = policy
        self.settings = settings
        self.hasher = PasswordHasher(algorithm: settings.passwordHashAlgorithm, rounds: settings.passwordHashRounds)
        self.revocations = revocations
        self.credentialKeys = credentialKeys
        self.logger = logger
    }

    /// What an authentication request's user or project reference resolved to.
    struct AuthLookup: Sendable {
        var user: UserRecord?
        var userDomain: DomainRecord?
        var project: ProjectRecord?
    }

    /// Records a revocation event in the database and in memory (inside the caller's write).
    func revoke(
        in q: IdentityQueries, userID: String? = nil, projectID: String? = nil, domainID: String? = nil,
        auditID: String? = nil
    ) async throws {
        let now = Timestamp.now()
        let event = RevocationEvent(
            id: IDGenerator.hex(), userID: userID, projectID: projectID, domainID: domainID, auditID: auditID,
            issuedBefore: now, revokedAt: now)
        try await q.insert(event)
        revocations.add(event)
    }

    /// Loads the live revocation events; `prune` (at start) also deletes those no token can
    /// outlive.
    func loadRevocations(prune: Bool) async throws {
        let cutoff = Timestamp.now().adding(seconds: -(settings.tokenExpiration + settings.allowExpiredWindow))
        if prune { try await store.write { q in try await q.pruneRevocationEvents(before: cutoff) } }
        revocations.load(try await store.read { q in try await q.revocationEvents(since: cutoff) })
    }
}
