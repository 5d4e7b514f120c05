import HTTPTypes
import StratusKit
import Testing

@testable import Identity

@Suite("Domain scope, inheritance and subtrees")
struct ScopeTests {
    @Test func domainReaderSeesOnlyItsDomain() async throws {
        try await TestCloud.run { _, api in
            let admin = try await api.adminToken()
            let d2 = try await api.create("/v3/domains", "domain", ["name": "d2"], token: admin)
            let viewer = try await api.create("/v3/users", "user", ["name": "viewer", "domain_id": .string(d2), "password": "vpw"], token: admin)
            _ = try await api.create("/v3/users", "user", ["name": "other", "domain_id": .string(d2)], token: admin)
            _ = try await api.create("/v3/projects", "project", ["name": "p-d2", "domain_id": .string(d2)], token: admin)
            let reader = try await api.roleID("reader", token: admin)
            #expect(try await api.call(.put, "/v3/domains/\(d2)/users/\(viewer)/roles/\(reader)", token: admin).status == .noContent)

            let scoped = try await api.call(
                .post, "/v3/auth/tokens",
                body: APIClient.passwordAuth(user: "viewer", password: "vpw", domain: d2, scope: ["domain": ["id": .string(d2)]]))
            #expect(scoped.status == .created)
            #expect(scoped.json?["token"]?["domain"]?["name"] == "d2")
            let token = try #require(scoped.header("X-Subject-Token"))
            let users = try await api.call(.get, "/v3/users", token: token).json?["users"]?.arrayValue ?? []
            #expect(Set(users.compactMap { $0["name"]?.stringValue }) == ["viewer", "other"])
            let projects = try await api.call(.get, "/v3/projects", token: token).json?["projects"]?.arrayValue ?? []
            #expect(projects.compactMap { $0["name"]?.stringValue } == ["p-d2"])
            #expect(try await api.call(.get, "/v3/users?domain_id=default", token: token).json?["users"] == [])
            #expect(try await api.call(.post, "/v3/projects", token: token, body: ["project": ["name": "x", "domain_id": .string(d2)]]).status == .forbidden)
            #expect(try await api.call(.get, "/v3/auth/domains", token: token).json?["domains"]?.arrayValue?.count == 1)
        }
    }

    @Test func inheritedProjectRolesFlowToTheSubtree() async throws {
        try await TestCloud.run { _, api in
            let admin = try await api.adminToken()
            let top = try await api.create("/v3/projects", "project", ["name": "top"], token: admin)
            let middle = try await api.create("/v3/projects", "project", ["name": "middle", "parent_id": .string(top)], token: admin)
            _ = try await api.create("/v3/projects", "project", ["name": "leaf", "parent_id": .string(middle)], token: admin)
            let erin = try await api.create("/v3/users", "user", ["name": "erin", "password": "epw"], token: admin)
            let member = try await api.roleID("member", token: admin)
            let path = "/v3/OS-INHERIT/projects/\(top)/users/\(erin)/roles/\(member)/inherited_to_projects"
            #expect(try await api.call(.put, path, token: admin).status == .noContent)
            #expect(try await api.call(.head, path, token: admin).status == .noContent)

            // Inherited: not on the project itself, on everything below it.
            let onTop = try await api.call(.post, "/v3/auth/tokens", body: APIClient.passwordAuth(user: "erin", password: "epw", scope: APIClient.projectScope("top")))
            #expect(onTop.status == .unauthorized)
            let onLeaf = try await api.call(.post, "/v3/auth/tokens", body: APIClient.passwordAuth(user: "erin", password: "epw", scope: APIClient.projectScope("leaf")))
            #expect(onLeaf.status == .created)
            let erinToken = try await api.token(user: "erin", password: "epw", scope: APIClient.projectScope("leaf"))
            let own = try await api.call(.get, "/v3/auth/projects", token: erinToken).json?["projects"]?.arrayValue ?? []
            #expect(Set(own.compactMap { $0["name"]?.stringValue }) == ["middle", "leaf"])

            let subtree = try await api.call(.get, "/v3/role_assignments?scope.project.id=\(top)&include_subtree=true&effective", token: admin)
                .json?["role_assignments"]?.arrayValue ?? []
            #expect(subtree.count == 4)  // member and reader on middle and leaf
            #expect(subtree.allSatisfy { $0["links"]?["assignment"]?.stringValue?.contains("inherited_to_projects") == true })
            #expect(try await api.call(.get, "/v3/role_assignments?include_subtree=true", token: admin).status == .badRequest)
        }
    }
}
