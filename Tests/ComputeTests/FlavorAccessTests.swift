import HTTPTypes
import StratusKit
import XCTest

@testable import Compute

/// Private flavors: visible to admins and to the projects granted access, nobody else.
final class FlavorAccessTests: XCTestCase {
    func testPrivateFlavorVisibleOnlyToGrantedProjects() async throws {
        try await ComputeTestCloud.run { cloud in
            try await cloud.flavor("secret", id: "secret", isPublic: false)
            let granted = try await cloud.identity.project("granted")
            let other = try await cloud.identity.project("other")

            func ids(_ token: String?, _ query: String = "") async throws -> [String] {
                let response = try await cloud.call(.get, "/v2.1/flavors" + query, token: token)
                return response.json?["flavors"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            }
            try await XCTAssertEqualAsync(try await ids(granted.token).contains("secret"), false)
            let hidden = try await cloud.call(.get, "/v2.1/flavors/secret", token: granted.token)
            XCTAssertEqual(hidden.status, .notFound, "before access is granted")

            let added = try await cloud.call(
                .post, "/v2.1/flavors/secret/action", json: ["addTenantAccess": ["tenant": .string(granted.id)]])
            XCTAssertEqual(added.status, .ok)
            XCTAssertEqual(added.json?["flavor_access"], [["flavor_id": "secret", "tenant_id": .string(granted.id)]])
            let again = try await cloud.call(
                .post, "/v2.1/flavors/secret/action", json: ["addTenantAccess": ["tenant": .string(granted.id)]])
            XCTAssertEqual(again.status, .conflict)

            try await XCTAssertEqualAsync(try await ids(granted.token).contains("secret"), true)
            let shown = try await cloud.call(.get, "/v2.1/flavors/secret", token: granted.token)
            XCTAssertEqual(shown.json?["flavor"]?["os-flavor-access:is_public"]?.boolValue, false)
            try await XCTAssertEqualAsync(try await ids(other.token).contains("secret"), false)
            try await XCTAssertEqualAsync(try await ids(other.token, "?is_public=none").contains("secret"), false)
            let otherShow = try await cloud.call(.get, "/v2.1/flavors/secret", token: other.token)
            XCTAssertEqual(otherShow.status, .notFound)

            try await XCTAssertEqualAsync(try await ids(nil, "?is_public=false"), ["secret"])
            try await XCTAssertEqualAsync(try await ids(nil, "?is_public=None").contains("secret"), true)
            try await XCTAssertEqualAsync(try await ids(nil).contains("secret"), false, "admins see public ones by default")

            let list = try await cloud.call(.get, "/v2.1/flavors/secret/os-flavor-access")
            XCTAssertEqual(list.json?["flavor_access"]?.arrayValue?.count, 1)
            let publicList = try await cloud.call(.get, "/v2.1/flavors/1/os-flavor-access")
            XCTAssertEqual(publicList.status, .notFound)
            XCTAssertEqual(publicList.message, "Access list not available for public flavors.")
            let publicAdd = try await cloud.call(
                .post, "/v2.1/flavors/1/action", json: ["addTenantAccess": ["tenant": .string(granted.id)]])
            XCTAssertEqual(publicAdd.status, .conflict)
            XCTAssertEqual(publicAdd.message, "Can not add access to a public flavor.")

            let memberAdd = try await cloud.call(
                .post, "/v2.1/flavors/secret/action", json: ["addTenantAccess": ["tenant": .string(other.id)]],
                token: granted.token)
            XCTAssertEqual(memberAdd.status, .forbidden)
            let memberList = try await cloud.call(.get, "/v2.1/flavors/secret/os-flavor-access", token: granted.token)
            XCTAssertEqual(memberList.status, .forbidden)

            let removed = try await cloud.call(
                .post, "/v2.1/flavors/secret/action", json: ["removeTenantAccess": ["tenant": .string(granted.id)]])
            XCTAssertEqual(removed.json?["flavor_access"], [])
            let removedAgain = try await cloud.call(
                .post, "/v2.1/flavors/secret/action", json: ["removeTenantAccess": ["tenant": .string(granted.id)]])
            XCTAssertEqual(removedAgain.status, .notFound)
            XCTAssertEqual(removedAgain.message, "Flavor access not found for secret / \(granted.id) combination.")
            let gone = try await cloud.call(.get, "/v2.1/flavors/secret", token: granted.token)
            XCTAssertEqual(gone.status, .notFound)
            let unknown = try await cloud.call(.post, "/v2.1/flavors/secret/action", json: ["resize": [:]])
            XCTAssertEqual(unknown.status, .badRequest)
        }
    }
}
