import HTTPTypes
import StratusKit
import Testing

@testable import Identity

@Suite("Identity resources")
struct ResourceTests {
    @Test func domainsMustBeDisabledBeforeDelete() async throws {
        try await TestCloud.run { _, api in
            let admin = try await api.adminToken()
            let domain = try await api.create("/v3/domains", "domain", ["name": "d1"], token: admin)
            #expect(try await api.call(.post, "/v3/domains", token: admin, body: ["domain": ["name": "d1"]]).status == .conflict)
            #expect(try await api.call(.delete, "/v3/domains/\(domain)", token: admin).status == .forbidden)
            #expect(try await api.call(.patch, "/v3/domains/\(domain)", token: admin, body: ["domain": ["enabled": false]]).status == .ok)
            #expect(try await api.call(.delete, "/v3/domains/\(domain)", token: admin).status == .noContent)
            #expect(try await api.call(.get, "/v3/domains/\(domain)", token: admin).status == .notFound)
        }
    }

    @Test func projectsHierarchyTagsAndFilters() async throws {
        try await TestCloud.run { _, api in
            let admin = try await api.adminToken()
            let parent = try await api.create("/v3/projects", "project", ["name": "parent", "tags": ["blue", "red"]], token: admin)
            let child = try await api.call(.post, "/v3/projects", token: admin, body: ["project": ["name": "child", "parent_id": .string(parent)]])
            #expect(child.status == .created)
            #expect(child.json?["project"]?["parent_id"] == .string(parent))
            #expect(child.json?["project"]?["domain_id"] == "default")
            #expect(try await api.call(.post, "/v3/projects", token: admin, body: ["project": ["name": "parent"]]).status == .conflict)
            #expect(try await api.call(.delete, "/v3/projects/\(parent)", token: admin).status == .forbidden)
            let byTag = try await api.call(.get, "/v3/projects?tags=blue", token: admin).json?["projects"]?.arrayValue
            #expect(byTag?.compactMap { $0["name"]?.stringValue } == ["parent"])
            let byParent = try await api.call(.get, "/v3/projects?parent_id=\(parent)", token: admin).json?["projects"]?.arrayValue
            #expect(byParent?.count == 1)
            let contains = try await api.call(.get, "/v3/projects?name__contains=aren", token: admin).json?["projects"]?.arrayValue
            #expect(contains?.count == 1)
            #expect(try await api.call(.put, "/v3/projects/\(parent)/tags/green", token: admin).status == .created)
            #expect(try await api.call(.get, "/v3/projects/\(parent)/tags", token: admin).json?["tags"] == ["blue", "green", "red"])
            let links = try await api.call(.get, "/v3/projects", token: admin).json?["links"]
            #expect(links?["self"]?.stringValue?.hasSuffix("/v3/projects") == true)
            #expect(links?["next"] == .null)

            // Paging: limit and marker, with a next link until the last page.
            var seen: [String] = []
            var path = "/v3/projects?limit=2"
            while true {
                let page = try await api.call(.get, path, token: admin).json
                let names = page?["projects"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
                #expect(names.count <= 2)
                seen += names
                guard let next = page?["links"]?["next"]?.stringValue else { break }
                path = String(next.dropFirst("http://127.0.0.1:5000".count))
            }
            #expect(seen == ["admin", "child", "parent", "service"])
            #expect(try await api.call(.get, "/v3/projects?limit=0", token: admin).status == .badRequest)
            #expect(try await api.call(.get, "/v3/projects?marker=nope", token: admin).status == .badRequest)
        }
    }

    @Test func usersGroupsAndDuplicates() async throws {
        try await TestCloud.run { _, api in
            let admin = try await api.adminToken()
            let created = try await api.call(.post, "/v3/users", token: admin, body: ["user": ["name": "alice", "password": "pw", "email": "a@example.org"]])
            #expect(created.status == .created)
            #expect(created.json?["user"]?["email"] == "a@example.org")
            #expect(created.json?["user"]?["password"] == nil)
            let alice = try #require(created.json?["user"]?["id"]?.stringValue)
            let duplicate = try await api.call(.post, "/v3/users", token: admin, body: ["user": ["name": "alice"]])
            #expect(duplicate.status == .conflict)
            #expect(duplicate.json?["error"]?["code"] == 409)
            let group = try await api.create("/v3/groups", "group", ["name": "g1"], token: admin)
            #expect(try await api.call(.head, "/v3/groups/\(group)/users/\(alice)", token: admin).status == .notFound)
            #expect(try await api.call(.put, "/v3/groups/\(group)/users/\(alice)", token: admin).status == .noContent)
            #expect(try await api.call(.head, "/v3/groups/\(group)/users/\(alice)", token: admin).status == .noContent)
            let members = try await api.call(.get, "/v3/groups/\(group)/users", token: admin).json?["users"]?.arrayValue
            #expect(members?.compactMap { $0["name"]?.stringValue } == ["alice"])
            let groups = try await api.call(.get, "/v3/users/\(alice)/groups", token: admin).json?["groups"]?.arrayValue
            #expect(groups?.count == 1)
        }
    }

    @Test func roleAssignmentsEffectiveExpandsGroupsInheritanceAndImplications() async throws {
        try await TestCloud.run { _, api in
            let admin = try await api.adminToken()
            let project = try await api.create("/v3/projects", "project", ["name": "pA"], token: admin)
            let alice = try await api.create("/v3/users", "user", ["name": "alice", "password": "pw"], token: admin)
            let group = try await api.create("/v3/groups", "group", ["name": "g1"], token: admin)
            let custom = try await api.create("/v3/roles", "role", ["name": "custom"], token: admin)
            #expect(try await api.call(.put, "/v3/roles/\(custom)/implies/\(try await api.roleID("reader", token: admin))", token: admin).status == .created)
            try await api.call(.put, "/v3/groups/\(group)/users/\(alice)", token: admin)
            try await api.call(.put, "/v3/projects/\(project)/groups/\(group)/roles/\(custom)", token: admin)
            try await api.call(.put, "/v3/OS-INHERIT/domains/default/users/\(alice)/roles/\(try await api.roleID("member", token: admin))/inherited_to_projects", token: admin)
            try await api.call(.put, "/v3/system/users/\(alice)/roles/\(try await api.roleID("reader", token: admin))", token: admin)

            let raw = try await api.call(.get, "/v3/role_assignments?user.id=\(alice)", token: admin).json?["role_assignments"]?.arrayValue ?? []
            #expect(raw.count == 2)
            let effective = try await api.call(.get, "/v3/role_assignments?user.id=\(alice)&effective=True&include_names=True", token: admin)
                .json?["role_assignments"]?.arrayValue ?? []
            let onProject = Set(effective.filter { $0["scope"]?["project"]?["id"] == .string(project) }.compactMap { $0["role"]?["name"]?.stringValue })
            #expect(onProject == ["custom", "reader", "member"])
            #expect(effective.contains { $0["scope"]?["system"]?["all"] == true })
            #expect(effective.allSatisfy { $0["user"]?["name"] == "alice" })
            #expect(effective.contains { $0["links"]?["membership"] != nil })

            // The token shows the same roles.
            let token = try await api.call(
                .post, "/v3/auth/tokens", body: APIClient.passwordAuth(user: "alice", password: "pw", scope: APIClient.projectScope("pA")))
            let tokenRoles = Set(token.json?["token"]?["roles"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? [])
            #expect(tokenRoles == ["custom", "reader", "member"])
            #expect(try await api.call(.get, "/v3/role_assignments?group.id=\(group)&effective", token: admin).status == .badRequest)
        }
    }

    @Test func catalogResources() async throws {
        try await TestCloud.run { _, api in
            let admin = try await api.adminToken()
            let service = try await api.create("/v3/services", "service", ["type": "compute", "name": "nova"], token: admin)
            #expect(try await api.call(.post, "/v3/endpoints", token: admin, body: ["endpoint": ["service_id": .string(service), "interface": "sideways", "url": "http://x"]]).status == .badRequest)
            let endpoint = try await api.create(
                "/v3/endpoints", "endpoint", ["service_id": .string(service), "interface": "public", "url": "http://127.0.0.1:8774/v2.1", "region_id": "RegionOne"], token: admin)
            let listed = try await api.call(.get, "/v3/endpoints?interface=public", token: admin).json?["endpoints"]?.arrayValue
            #expect(listed?.contains { $0["id"] == .string(endpoint) } == true)
            let catalog = try await api.call(.get, "/v3/auth/catalog", token: admin).json?["catalog"]?.arrayValue
            #expect(catalog?.contains { $0["type"] == "compute" } == true)
            #expect(try await api.call(.post, "/v3/regions", token: admin, body: ["region": ["id": "RegionOne"]]).status == .conflict)
            #expect(try await api.call(.delete, "/v3/services/\(service)", token: admin).status == .noContent)
            #expect(try await api.call(.get, "/v3/endpoints/\(endpoint)", token: admin).status == .notFound)
        }
    }

    @Test func applicationCredentialsAuthenticateWithTheirRoles() async throws {
        try await TestCloud.run { _, api in
            let admin = try await api.adminToken()
            let adminID = try #require(try await api.call(.get, "/v3/users?name=admin", token: admin).json?["users"]?.arrayValue?.first?["id"]?.stringValue)
            let created = try await api.call(
                .post, "/v3/users/\(adminID)/application_credentials", token: admin,
                body: ["application_credential": ["name": "ci", "roles": [["name": "reader"]]]])
            #expect(created.status == .created)
            let id = try #require(created.json?["application_credential"]?["id"]?.stringValue)
            let secret = try #require(created.json?["application_credential"]?["secret"]?.stringValue)
            let listed = try await api.call(.get, "/v3/users/\(adminID)/application_credentials", token: admin)
            #expect(listed.json?["application_credentials"]?.arrayValue?.first?["secret"] == nil)
            let auth: JSONValue = ["auth": ["identity": ["methods": ["application_credential"], "application_credential": ["id": .string(id), "secret": .string(secret)]]]]
            let token = try await api.call(.post, "/v3/auth/tokens", body: auth)
            #expect(token.status == .created)
            #expect(token.json?["token"]?["roles"] == [["id": token.json!["token"]!["roles"]!.arrayValue![0]["id"]!, "name": "reader"]])
            #expect(token.json?["token"]?["application_credential"]?["restricted"] == true)
            let appToken = try #require(token.header("X-Subject-Token"))
            // A reader-only credential cannot create projects even though its user is an admin.
            #expect(try await api.call(.post, "/v3/projects", token: appToken, body: ["project": ["name": "x"]]).status == .forbidden)
            let badSecret: JSONValue = ["auth": ["identity": ["methods": ["application_credential"], "application_credential": ["id": .string(id), "secret": "wrong"]]]]
            #expect(try await api.call(.post, "/v3/auth/tokens", body: badSecret).status == .unauthorized)
            #expect(try await api.call(.delete, "/v3/users/\(adminID)/application_credentials/\(id)", token: admin).status == .noContent)
            #expect(try await api.call(.get, "/v3/projects", token: appToken).status == .unauthorized)
        }
    }

    @Test func credentialsAreStoredEncrypted() async throws {
        try await TestCloud.run { cloud, api in
            let admin = try await api.adminToken()
            let adminID = try #require(try await api.call(.get, "/v3/users?name=admin", token: admin).json?["users"]?.arrayValue?.first?["id"]?.stringValue)
            let id = try await api.create("/v3/credentials", "credential", ["user_id": .string(adminID), "type": "totp", "blob": "top-secret-blob"], token: admin)
            #expect(try await api.call(.get, "/v3/credentials/\(id)", token: admin).json?["credential"]?["blob"] == "top-secret-blob")
            let stored = try #require(try await cloud.service.manager.store.read { q in try await q.credential(id: id) })
            #expect(!stored.encryptedBlob.contains("top-secret"))
        }
    }

    @Test func concurrentCreatesNeverFail() async throws {
        try await TestCloud.run { _, api in
            let admin = try await api.adminToken()
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        let path = index % 2 == 0 ? "/v3/projects" : "/v3/users"
                        let key = index % 2 == 0 ? "project" : "user"
                        return try await api.call(.post, path, token: admin, body: [key: ["name": .string("n\(index)")]]).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .created })
            #expect(try await api.call(.get, "/v3/projects", token: admin).json?["projects"]?.arrayValue?.count == 22)
        }
    }
}
