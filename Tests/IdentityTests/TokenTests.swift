import HTTPTypes
import StratusKit
import Testing

@testable import Identity

@Suite("Tokens through the API")
struct TokenTests {
    @Test func passwordTokenHasKeystoneShape() async throws {
        try await TestCloud.run { _, api in
            let response = try await api.call(
                .post, "/v3/auth/tokens", body: APIClient.passwordAuth(user: "admin", password: api.adminPassword, scope: APIClient.projectScope("admin")))
            #expect(response.status == .created)
            #expect(response.header("X-Subject-Token")?.hasPrefix("gAAAAA") == true)
            #expect(response.header("x-openstack-request-id")?.hasPrefix("req-") == true)
            let token = try #require(response.json?["token"])
            #expect(token["methods"] == ["password"])
            #expect(token["user"]?["name"] == "admin")
            #expect(token["user"]?["domain"]?["id"] == "default")
            #expect(token["project"]?["name"] == "admin")
            let roles = Set(token["roles"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [])
            #expect(roles == ["admin", "member", "reader"])
            #expect(token["catalog"]?.arrayValue?.first?["type"] == "identity")
            #expect(token["expires_at"]?.stringValue?.hasSuffix("Z") == true)
            #expect(token["audit_ids"]?.arrayValue?.count == 1)
        }
    }

    @Test func nocatalogLeavesCatalogOut() async throws {
        try await TestCloud.run { _, api in
            let response = try await api.call(
                .post, "/v3/auth/tokens?nocatalog",
                body: APIClient.passwordAuth(user: "admin", password: api.adminPassword, scope: APIClient.projectScope("admin")))
            #expect(response.status == .created)
            #expect(response.json?["token"]?["catalog"] == nil)
            #expect(response.json?["token"]?["roles"] != nil)
        }
    }

    @Test func wrongPasswordIs401WithWWWAuthenticate() async throws {
        try await TestCloud.run { _, api in
            let response = try await api.call(.post, "/v3/auth/tokens", body: APIClient.passwordAuth(user: "admin", password: "wrong"))
            #expect(response.status == .unauthorized)
            #expect(response.header("WWW-Authenticate") == "Keystone uri=\"http://127.0.0.1:5000\"")
            #expect(response.json?["error"]?["code"] == 401)
            #expect(response.json?["error"]?["title"] == "Unauthorized")
            let missing = try await api.call(.post, "/v3/auth/tokens", body: APIClient.passwordAuth(user: "nobody", password: "x"))
            #expect(missing.status == .unauthorized)
        }
    }

    @Test func validateRevokeAndReject() async throws {
        try await TestCloud.run { _, api in
            let admin = try await api.adminToken()
            let subject = try await api.adminToken()
            let valid = try await api.call(.get, "/v3/auth/tokens", token: admin, headers: ["X-Subject-Token": subject])
            #expect(valid.status == .ok)
            #expect(valid.header("X-Subject-Token") == subject)
            #expect(try await api.call(.head, "/v3/auth/tokens", token: admin, headers: ["X-Subject-Token": subject]).status == .ok)
            #expect(try await api.call(.delete, "/v3/auth/tokens", token: admin, headers: ["X-Subject-Token": subject]).status == .noContent)
            let after = try await api.call(.get, "/v3/auth/tokens", token: admin, headers: ["X-Subject-Token": subject])
            #expect(after.status == .notFound)
            #expect(try await api.call(.get, "/v3/projects", token: subject).status == .unauthorized)
            #expect(try await api.call(.get, "/v3/projects", token: admin).status == .ok)
            #expect(try await api.call(.get, "/v3/projects", token: "garbage").status == .unauthorized)
            #expect(try await api.call(.get, "/v3/projects").status == .unauthorized)
        }
    }

    @Test func scopes() async throws {
        try await TestCloud.run { _, api in
            let system = try await api.call(
                .post, "/v3/auth/tokens",
                body: APIClient.passwordAuth(user: "admin", password: api.adminPassword, scope: ["system": ["all": true]]))
            #expect(system.status == .created)
            #expect(system.json?["token"]?["system"]?["all"] == true)
            let unscoped = try await api.call(
                .post, "/v3/auth/tokens", body: APIClient.passwordAuth(user: "admin", password: api.adminPassword, scope: "unscoped"))
            #expect(unscoped.status == .created)
            #expect(unscoped.json?["token"]?["roles"] == nil)
            #expect(unscoped.json?["token"]?["project"] == nil)
            // No scope: the default project.
            let defaulted = try await api.call(.post, "/v3/auth/tokens", body: APIClient.passwordAuth(user: "admin", password: api.adminPassword))
            #expect(defaulted.json?["token"]?["project"]?["name"] == "admin")
            // Domain scope without a role on the domain is refused.
            let domain = try await api.call(
                .post, "/v3/auth/tokens",
                body: APIClient.passwordAuth(user: "admin", password: api.adminPassword, scope: ["domain": ["id": "default"]]))
            #expect(domain.status == .unauthorized)
            // Re-scoping with the token method keeps the expiry and chains the audit ids.
            let unscopedToken = try #require(unscoped.header("X-Subject-Token"))
            let rescoped = try await api.call(
                .post, "/v3/auth/tokens",
                body: ["auth": ["identity": ["methods": ["token"], "token": ["id": .string(unscopedToken)]], "scope": APIClient.projectScope("admin")]])
            #expect(rescoped.status == .created)
            #expect(rescoped.json?["token"]?["expires_at"] == unscoped.json?["token"]?["expires_at"])
            #expect(rescoped.json?["token"]?["audit_ids"]?.arrayValue?.count == 2)
            #expect(rescoped.json?["token"]?["methods"] == ["token", "password"])
        }
    }

    @Test func authCatalogProjectsDomainsSystem() async throws {
        try await TestCloud.run { _, api in
            let admin = try await api.adminToken()
            #expect(try await api.call(.get, "/v3/auth/catalog", token: admin).json?["catalog"]?.arrayValue?.count == 1)
            let projects = try await api.call(.get, "/v3/auth/projects", token: admin)
            #expect(projects.json?["projects"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["admin"])
            #expect(try await api.call(.get, "/v3/auth/domains", token: admin).json?["domains"] == [])
            #expect(try await api.call(.get, "/v3/auth/system", token: admin).json?["system"] == [["all": true]])
        }
    }

    @Test func malformedBodiesAre400() async throws {
        try await TestCloud.run { _, api in
            let admin = try await api.adminToken()
            let malformed = try await api.call(.post, "/v3/projects", token: admin, raw: "{\"project\": ")
            #expect(malformed.status == .badRequest)
            #expect(malformed.json?["error"]?["code"] == 400)
            #expect(try await api.call(.post, "/v3/projects", token: admin, body: ["project": ["name": 5]]).status == .badRequest)
            #expect(try await api.call(.post, "/v3/projects", token: admin, body: ["nothing": true]).status == .badRequest)
            #expect(try await api.call(.post, "/v3/auth/tokens", raw: "[]").status == .badRequest)
            #expect(try await api.call(.post, "/v3/auth/tokens", body: ["auth": ["identity": ["methods": []]]]).status == .badRequest)
        }
    }
}
