import Foundation
import Testing

@testable import Identity

@Suite("Service users")
struct ServiceUserTests {
    @Test func aRecordedCheckSkipsTheSlowPasswordCheckUntilPasswordOrHashChange() async throws {
        try await TestCloud.run { cloud, api in
            let checkFile = cloud.dataDirectory + "/service-password.checked"
            let id = try await cloud.service.ensureServiceUser(name: "nova", password: "first-secret", checkFile: checkFile)
            let storedHash = {
                try await cloud.service.manager.store.read { q in try await q.user(id: id)?.passwordHash }
            }
            let hash = try #require(try await storedHash())
            #expect(PasswordCheckRecord(password: "first-secret", hash: hash).isSaved(in: checkFile))
            let mode = try FileManager.default.attributesOfItem(atPath: checkFile)[.posixPermissions] as? Int
            #expect(mode == 0o600)

            // Unchanged password and hash: same user, same hash, the record stands.
            #expect(try await cloud.service.ensureServiceUser(name: "nova", password: "first-secret", checkFile: checkFile) == id)
            #expect(try await storedHash() == hash)

            // A changed password is checked for real, reset, and recorded anew.
            #expect(try await cloud.service.ensureServiceUser(name: "nova", password: "second-secret", checkFile: checkFile) == id)
            let newHash = try #require(try await storedHash())
            #expect(newHash != hash)
            #expect(PasswordCheckRecord(password: "second-secret", hash: newHash).isSaved(in: checkFile))
            _ = try await api.token(user: "nova", password: "second-secret", scope: APIClient.projectScope("service"))

            // The record is what spares the check: one that vouches for another password for
            // the stored hash is believed (so it lives only beside the plain password file).
            try PasswordCheckRecord(password: "vouched-secret", hash: newHash).save(in: checkFile)
            _ = try await cloud.service.ensureServiceUser(name: "nova", password: "vouched-secret", checkFile: checkFile)
            #expect(try await storedHash() == newHash, "no reset: the slow check was skipped")
            // Without the record the same call checks, finds a mismatch and resets.
            _ = try await cloud.service.ensureServiceUser(name: "nova", password: "vouched-secret")
            #expect(try await storedHash() != newHash)
        }
    }
}
