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
            let groups = try await api.call(.get, "/v3/groups", token: token)
            #expect(groups.status == .ok)
            let domains = try await api.call(.get, "/v3/domains", token: token)
            #expect(domains.status == .ok)
            #expect(domains.json?["domains"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["d2"])

            // Role assignments: its own domain and the projects in it, never another domain's.
            let adminUser = try #require(try await api.call(.get, "/v3/users?name=admin", token: admin).json?["users"]?.arrayValue?.first?["id"]?.stringValue)
            let member = try await api.roleID("member", token: admin)
            let pD2 = try #require(projects.first?["id"]?.stringValue)
            try await api.call(.put, "/v3/projects/\(pD2)/users/\(viewer)/roles/\(member)", token: admin)
            let own = try await api.call(.get, "/v3/role_assignments", token: token).json?["role_assignments"]?.arrayValue ?? []
            #expect(own.count == 2)
            #expect(own.contains { $0["scope"]?["project"]?["id"] == .string(pD2) })
            let other = try await api.call(.get, "/v3/role_assignments?scope.domain.id=default", token: token)
            #expect(other.json?["role_assignments"] == [])
            let otherUser = try await api.call(.get, "/v3/role_assignments?user.id=\(adminUser)", token: token)
            #expect(otherUser.json?["role_assignments"] == [])
        }
    }

    @Test func aCredentialCannotBeHandedToAnotherUser() async throws {
        try await TestCloud.run { _, api in
            let admin = try await api.adminToken()
            let ann = try await api.create("/v3/users", "user", ["name": "ann", "password": "apw"], token: admin)
            let ben = try await api.create("/v3/users", "user", ["name": "ben", "password": "bpw"], token: admin)
            let project = try await api.create("/v3/projects", "project", ["name": "pc"], token: admin)
            try await api.call(.put, "/v3/projects/\(project)/users/\(ann)/roles/\(try await api.roleID("member", token: admin))", token: admin)
            let annToken = try await api.token(user: "ann", password: "apw", scope: APIClient.projectScope("pc"))
            let credential = try await api.create("/v3/credentials", "credential", ["user_id": .string(ann), "type": "cert", "blob": "b"], token: annToken)
            let handOver = try await api.call(.patch, "/v3/credentials/\(credential)", token: annToken, body: ["credential": ["user_id": .string(ben)]])
            #expect(handOver.status == .forbidden)
            let stored = try await api.call(.get, "/v3/credentials/\(credential)", token: admin)
            #expect(stored.json?["credential"]?["user_id"] == .string(ann))
            #expect(try await api.call(.patch, "/v3/credentials/\(credential)", token: annToken, body: ["credential": ["blob": "c"]]).status == .ok)
            // Whether someone else's token is valid is not for ann to learn.
            #expect(try await api.call(.get, "/v3/auth/tokens", token: annToken, headers: ["X-Subject-Token": "not-a-token"]).status == .forbidden)
            #expect(try await api.call(.get, "/v3/auth/tokens", token: admin, headers: ["X-Subject-Token": "not-a-token"]).status == .notFound)
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
