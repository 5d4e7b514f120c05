import StratusKit
import Testing

@testable import Identity

@Suite("Two processes on one database")
struct SharedStateTests {
    /// A second service on the same database (as a second API process would be) sees the
    /// first one's writes once it refreshes: its cached validation is dropped and the
    /// revocation it did not record itself is loaded.
    @Test func writesOfAnotherProcessReachTheCaches() async throws {
        let first = try await TestCloud.start()
        let second = try await IdentityService(
            dataDirectory: first.dataDirectory, config: first.config, publicURL: "http://127.0.0.1:5000",
            logger: TestCloud.logger)
        do {
            let firstTokens = first.service.manager.tokens
            let secondTokens = second.manager.tokens
            let admin = try #require(try await first.service.manager.store.read { q in try await q.user(name: "admin", domainID: "default") })
            let (token, _) = try await firstTokens.issue(userID: admin.id, methods: ["password"], scope: .system)
            _ = try await secondTokens.validate(token)
            #expect(try await second.manager.store.refreshSharedGeneration() == false)

            try await first.service.manager.store.write { q in
                try await first.service.manager.revoke(in: q, auditID: firstTokens.decode(token).map { $0.auditIDs[0] } ?? "")
            }
            // Until it looks, the second process still trusts its cache ...
            _ = try await secondTokens.validate(token)
            // ... and after a refresh it refuses the token, as the first does.
            #expect(try await second.manager.store.refreshSharedGeneration() == true)
            try await second.manager.loadRevocations(prune: false)
            await #expect(throws: TokenFailure.self) { _ = try await secondTokens.validate(token) }
            await #expect(throws: TokenFailure.self) { _ = try await firstTokens.validate(token) }
            // Its own writes do not make a process refresh.
            try await second.manager.store.write { q in try await q.setTags(projectID: "none", []) }
            #expect(try await second.manager.store.refreshSharedGeneration() == false)
        } catch {
            await second.shutdown()
            await first.stop()
            throw error
        }
        await second.shutdown()
        await first.stop()
    }
}
