import HTTPTypes
import StratusKit
import Testing

@testable import Identity

@Suite("Existing tokens stop working when the state behind them changes")
struct RevocationTests {
    /// Creates a user with `member` on a new project and returns (userID, projectID, token).
    static func member(_ api: APIClient, admin: String, name: String = "alice") async throws -> (String, String, String) {
        let project = try await api.create("/v3/projects", "project", ["name": .string("p-\(name)")], token: admin)
        let user = try await api.create("/v3/users", "user", ["name": .string(name), "password": "pw-one"], token: admin)
        let member = try await api.roleID("member", token: admin)
        #expect(try await api.call(.put, "/v3/projects/\(project)/users/\(user)/roles/\(member)", token: admin).status == .noContent)
        let token = try await api.token(user: name, password: "pw-one", scope: APIClient.projectScope("p-\(name)"))
        return (user, project, token)
    }

    static func isValid(_ api: APIClient, _ token: String, admin: String) async throws -> Bool {
        try await api.call(.get, "/v3/auth/tokens", token: admin, headers: ["X-Subject-Token": token]).status == .ok
    }

    @Test func disablingTheUser() async throws {
        try await TestCloud.run { _, api in
            let admin = try await api.adminToken()
            let (user, _, token) = try await Self.member(api, admin: admin)
            #expect(try await Self.isValid(api, token, admin: admin))
            #expect(try await api.call(.patch, "/v3/users/\(user)", token: admin, body: ["user": ["enabled": false]]).status == .ok)
            #expect(try await !Self.isValid(api, token, admin: admin))
            let login = try await api.call(.post, "/v3/auth/tokens", body: APIClient.passwordAuth(user: "alice", password: "pw-one"))
            #expect(login.status == .unauthorized)
            // Enabling again does not bring the old token back.
            #expect(try await api.call(.patch, "/v3/users/\(user)", token: admin, body: ["user": ["enabled": true]]).status == .ok)
            #expect(try await !Self.isValid(api, token, admin: admin))
        }
    }

    @Test func deletingTheUser() async throws {
        try await TestCloud.run { _, api in
            let admin = try await api.adminToken()
            let (user, _, token) = try await Self.member(api, admin: admin)
            #expect(try await api.call(.delete, "/v3/users/\(user)", token: admin).status == .noContent)
            #expect(try await !Self.isValid(api, token, admin: admin))
            #expect(try await api.call(.get, "/v3/users/\(user)", token: admin).status == .notFound)
        }
    }

    @Test func changingThePassword() async throws {
        try await TestCloud.run { _, api in
            let admin = try await api.adminToken()
            let (user, _, token) = try await Self.member(api, admin: admin)
            let wrongOriginal = try await api.call(
                .post, "/v3/users/\(user)/password", body: ["user": ["original_password": "nope", "password": "pw-two"]])
            #expect(wrongOriginal.status == .unauthorized)
            #expect(try await Self.isValid(api, token, admin: admin))
            let changed = try await api.call(
                .post, "/v3/users/\(user)/password", token: token, body: ["user": ["original_password": "pw-one", "password": "pw-two"]])
            #expect(changed.status == .noContent)
            #expect(try await !Self.isValid(api, token, admin: admin))
            _ = try await api.token(user: "alice", password: "pw-two")
        }
    }

    @Test func disablingOrDeletingTheProject() async throws {
        try await TestCloud.run { _, api in
            let admin = try await api.adminToken()
            let (_, project, token) = try await Self.member(api, admin: admin)
            #expect(try await api.call(.patch, "/v3/projects/\(project)", token: admin, body: ["project": ["enabled": false]]).status == .ok)
            #expect(try await !Self.isValid(api, token, admin: admin))
            let (_, other, token2) = try await Self.member(api, admin: admin, name: "bob")
            #expect(try await api.call(.delete, "/v3/projects/\(other)", token: admin).status == .noContent)
            #expect(try await !Self.isValid(api, token2, admin: admin))
        }
    }

    @Test func unassigningTheRole() async throws {
        try await TestCloud.run { _, api in
            let admin = try await api.adminToken()
            let (user, project, token) = try await Self.member(api, admin: admin)
            let member = try await api.roleID("member", token: admin)
            #expect(try await api.call(.delete, "/v3/projects/\(project)/users/\(user)/roles/\(member)", token: admin).status == .noContent)
            #expect(try await !Self.isValid(api, token, admin: admin))
            #expect(try await api.call(.get, "/v3/projects/\(project)", token: token).status == .unauthorized)
        }
    }

    @Test func keyRotationKeepsTokensValidWhileTheirKeyIsHeld() async throws {
        let cloud = try await TestCloud.start()
        do {
            try await rotateThrice(cloud)
        } catch {
            await cloud.stop()
            throw error
        }
        await cloud.stop()
    }

    private func rotateThrice(_ cloud: TestCloud) async throws {
        let provider = cloud.service.manager.tokens
        let (token, _) = try await provider.issue(userID: try await adminID(cloud), methods: ["password"], scope: .system)
        let keys = provider.keys
        // Keys 0 (staged) and 1 (primary): the token is sealed with key 1.
        #expect(try keys.rotate() == [0, 1, 2])
        provider.forgetCachedValidations()
        _ = try await provider.validate(token)
        // With three active keys the next rotation drops key 1, and the token with it.
        #expect(try keys.rotate() == [0, 2, 3])
        provider.forgetCachedValidations()
        await #expect(throws: TokenFailure.self) { _ = try await provider.validate(token) }
        let (fresh, _) = try await provider.issue(userID: try await adminID(cloud), methods: ["password"], scope: .system)
        _ = try await provider.validate(fresh)
    }

    private func adminID(_ cloud: TestCloud) async throws -> String {
        try #require(try await cloud.service.manager.store.read { q in try await q.user(name: "admin", domainID: "default") }).id
    }
}
