import HTTPTypes
import StratusKit
import Testing

@testable import Identity

@Suite("Keystone's default policy through the API")
struct PolicyEnforcementTests {
    @Test func memberAndReaderPersonas() async throws {
        try await TestCloud.run { _, api in
            let admin = try await api.adminToken()
            let pA = try await api.create("/v3/projects", "project", ["name": "pA"], token: admin)
            let pB = try await api.create("/v3/projects", "project", ["name": "pB"], token: admin)
            let bob = try await api.create("/v3/users", "user", ["name": "bob", "password": "bpw"], token: admin)
            let carol = try await api.create("/v3/users", "user", ["name": "carol", "password": "cpw"], token: admin)
            try await api.call(.put, "/v3/projects/\(pA)/users/\(bob)/roles/\(try await api.roleID("member", token: admin))", token: admin)
            try await api.call(.put, "/v3/projects/\(pA)/users/\(carol)/roles/\(try await api.roleID("reader", token: admin))", token: admin)
            let bobToken = try await api.token(user: "bob", password: "bpw", scope: APIClient.projectScope("pA"))
            let carolToken = try await api.token(user: "carol", password: "cpw", scope: APIClient.projectScope("pA"))

            #expect(try await api.call(.get, "/v3/projects/\(pA)", token: bobToken).status == .ok)
            let forbidden = try await api.call(.get, "/v3/projects/\(pB)", token: bobToken)
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.json?["error"]?["code"] == 403)
            #expect(try await api.call(.get, "/v3/projects", token: bobToken).status == .forbidden)
            #expect(try await api.call(.get, "/v3/role_assignments?scope.project.id=\(pB)", token: bobToken).status == .forbidden)
            #expect(try await api.call(.post, "/v3/users", token: bobToken, body: ["user": ["name": "x"]]).status == .forbidden)
            #expect(try await api.call(.get, "/v3/users/\(bob)", token: bobToken).status == .ok)
            #expect(try await api.call(.get, "/v3/users/\(carol)", token: bobToken).status == .forbidden)

            for (path, key) in [("/v3/projects", "project"), ("/v3/users", "user"), ("/v3/groups", "group"), ("/v3/roles", "role"), ("/v3/domains", "domain")] {
                let response = try await api.call(.post, path, token: carolToken, body: [key: ["name": "nope"]])
                #expect(response.status == .forbidden, "reader creating \(key)")
            }
            // Nothing was written by the refused calls.
            #expect(try await api.call(.get, "/v3/projects?name=nope", token: admin).json?["projects"] == [])
        }
    }

    @Test func policyFileOverridesOnlyTheRulesItNames() async throws {
        let overrides = ["identity:list_projects": "role:reader"]
        let policy = try IdentityPolicy(overrides: overrides)
        let reader = AuthContext(
            userID: "u", userName: "u", userDomainID: "default", userDomainName: "Default",
            scope: .project(id: "p", name: "p", domainID: "default", domainName: "Default"),
            roles: [RoleReference(id: "r", name: "reader")], methods: ["password"], auditIDs: ["a"],
            issuedAt: .now(), expiresAt: .now())
        #expect(policy.allows("identity:list_projects", reader))
        #expect(!policy.allows("identity:create_project", reader))
        #expect(!(try IdentityPolicy()).allows("identity:list_projects", reader))
        // Scope types: a domain-scoped admin cannot create an application credential (project scope only).
        var domainAdmin = reader
        domainAdmin.scope = .domain(id: "default", name: "Default")
        domainAdmin.roles = [RoleReference(id: "a", name: "admin")]
        #expect(!policy.allows("identity:create_application_credential", domainAdmin, target: ["user_id": "u"]))
    }
}
